import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect, test } from "@playwright/test";
import { ADMIN, api, cli, signIn, signOut, snap, tokenFor } from "./support";

/**
 * Issue 11, finding 1: a team admin could add anyone to their team, mint a team token, and call
 * a gateway with that person's personal credential. Membership is now by invitation, and each
 * person can keep a personal credential out of team use.
 */
const bin = (name: string) => path.resolve("node_modules/.bin", name);
const LEAD = { name: "Tara Teamlead", email: "tara@example.com", password: "tara-password-1" };
const VICTIM = { name: "Vic Keyholder", email: "vic@example.com", password: "vic-password-1" };
const LONER = { name: "Lou Loner", email: "lou@example.com", password: "lou-password-1" };
const VICTIM_SECRET = `vic-secret-${Date.now()}`;
const LONER_SECRET = `lou-secret-${Date.now()}`;

async function callGetEnv(url: string, token: string): Promise<{ isError: boolean; text: string }> {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  try {
    const result = await client.callTool({ name: "keyed__get-env", arguments: {} });
    return { isError: result.isError === true, text: JSON.stringify(result.content) };
  } finally {
    await client.close();
  }
}

test.describe
  .serial("membership is consensual: a team admin's token uses only the credentials of people who accepted", () => {
    let admin = "";
    let lead = "";
    let teamToken = "";
    let url = "";
    let victimCredential = "";
    let lonerCredential = "";
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "cli-members-"));
    const cliAs = (token: string, args: string[], baseURL: string) =>
      cli(args, { HOME: home, ARCHESTRA_URL: baseURL, ARCHESTRA_TOKEN: token });

    test("set up: a team admin, two people with API-key credentials, a team token and a gateway", async ({
      baseURL,
    }) => {
      const base = baseURL ?? "";
      admin = await tokenFor(base, ADMIN.email, ADMIN.password);
      for (const p of [LEAD, VICTIM, LONER]) await api(base, admin, "POST", "/users", p);
      const team = (await api(base, admin, "POST", "/teams", { name: "Team X" })) as { team: { id: string } };
      // The org admin adds the team admin directly (org admins still may).
      const added = await fetch(`${base}/api/v1/teams/team-x/members`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ email: LEAD.email, role: "admin" }),
      });
      expect(added.status).toBe(201);
      await api(base, admin, "POST", "/catalog", {
        kind: "local",
        name: "Keyed",
        slug: "keyed",
        command: bin("mcp-server-everything"),
        args: ["stdio"],
        env: [{ name: "API_KEY", secret: true, required: true }],
      });
      const vic = await tokenFor(base, VICTIM.email, VICTIM.password);
      const lou = await tokenFor(base, LONER.email, LONER.password);
      victimCredential = (
        (await api(base, vic, "POST", "/catalog/keyed/credentials", { env: { API_KEY: VICTIM_SECRET } })) as {
          credential: { id: string };
        }
      ).credential.id;
      lonerCredential = (
        (await api(base, lou, "POST", "/catalog/keyed/credentials", { env: { API_KEY: LONER_SECRET } })) as {
          credential: { id: string };
        }
      ).credential.id;
      lead = await tokenFor(base, LEAD.email, LEAD.password);
      teamToken = (
        (await api(base, lead, "POST", `/teams/${team.team.id}/tokens`, { name: "x agent" })) as { token: string }
      ).token;
      await expect
        .poll(
          async () =>
            ((await api(base, admin, "GET", "/catalog")) as { items: { slug: string; tools: unknown[] }[] }).items.find(
              (i) => i.slug === "keyed",
            )?.tools.length ?? 0,
          { timeout: 30_000 },
        )
        .toBeGreaterThan(0);
      await api(base, admin, "POST", "/gateways", { name: "Keyed", slug: "keyed-gw" });
      await api(base, admin, "PUT", "/gateways/keyed-gw/assignments", {
        assignments: [{ server: "keyed", tools: ["get-env"], mode: "call_time" }],
      });
      url = ((await api(base, admin, "GET", "/gateways/keyed-gw")) as { url: string }).url;
    });

    test("CLI: the team admin's add is an invitation; until it is accepted the team token gets the missing-credential answer", async ({
      baseURL,
    }) => {
      const base = baseURL ?? "";
      const invited = await cliAs(lead, ["members", "add", "team-x", "--email", LONER.email], base);
      expect(invited.code, invited.stderr).toBe(0);
      expect(invited.stdout).toContain(`Invited ${LONER.email} as member. They join the team when they accept`);
      expect(invited.stdout).toContain("teams accept team-x");
      // The API says the same.
      const res = await fetch(`${base}/api/v1/teams/team-x/members`, {
        method: "POST",
        headers: { authorization: `Bearer ${lead}`, "content-type": "application/json" },
        body: JSON.stringify({ email: VICTIM.email }),
      });
      expect(res.status).toBe(202);
      expect(((await res.json()) as { message: string }).message).toContain("They join the team when they accept");
      const listed = await cliAs(lead, ["members", "invited", "team-x"], base);
      expect(listed.stdout).toContain(LONER.email);
      expect(listed.stdout).toContain(VICTIM.email);

      // Before the fix each call reported the added person's secret upstream.
      const call = await callGetEnv(url, teamToken);
      expect(call.isError).toBe(true);
      expect(call.text).toContain(`${base}/registry/keyed?install=1`);
      expect(call.text).not.toContain(VICTIM_SECRET);
      expect(call.text).not.toContain(LONER_SECRET);
    });

    test("CLI: the invitee accepts, the call resolves to their credential; with team use off it does not", async ({
      baseURL,
    }) => {
      const base = baseURL ?? "";
      const lou = await tokenFor(base, LONER.email, LONER.password);
      const pending = await cliAs(lou, ["teams", "invitations"], base);
      expect(pending.stdout).toContain("team-x");
      expect(pending.stdout).toContain(LEAD.name);
      expect(pending.stdout).toContain("not in these teams until you accept");
      const accepted = await cliAs(lou, ["teams", "accept", "team-x"], base);
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stdout).toContain("You joined Team X");
      expect((await callGetEnv(url, teamToken)).text).toContain(LONER_SECRET);

      const off = await cliAs(lou, ["credentials", "team-use", lonerCredential, "off"], base);
      expect(off.code, off.stderr).toBe(0);
      expect(off.stdout).toContain("Team use off");
      const call = await callGetEnv(url, teamToken);
      expect(call.isError).toBe(true);
      expect(call.text).not.toContain(LONER_SECRET);
      // Their own token still uses it.
      expect((await callGetEnv(url, lou)).text).toContain(LONER_SECRET);
      // Nobody else can switch it back, and unknown values are refused clearly.
      const sneaky = await fetch(`${base}/api/v1/credentials/${lonerCredential}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${lead}`, "content-type": "application/json" },
        body: JSON.stringify({ teamUse: true }),
      });
      expect(sneaky.status).toBe(404);
      const bad = await fetch(`${base}/api/v1/credentials/${lonerCredential}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${lou}`, "content-type": "application/json" },
        body: JSON.stringify({ teamUse: "yes" }),
      });
      expect(bad.status).toBe(400);
    });

    test("UI: the team admin's form says the person is invited; the invitee accepts on the Teams page", async ({
      page,
      baseURL,
    }, testInfo) => {
      const base = baseURL ?? "";
      // The team admin withdraws the API invitation and invites again from the page.
      const vicInvite = (
        (await api(base, lead, "GET", "/teams/team-x/invitations")) as { invitations: { id: string; email: string }[] }
      ).invitations.find((i) => i.email === VICTIM.email);
      await api(base, lead, "DELETE", `/teams/team-x/invitations/${vicInvite?.id}`);

      await signIn(page, LEAD.email, LEAD.password);
      await expect(page.getByRole("heading", { name: `Welcome, ${LEAD.name}` })).toBeVisible();
      await page.goto("/teams/team-x");
      await expect(page.getByTestId("invite-explainer")).toContainText("joins the team when they accept");
      await page.getByLabel("Member email").fill(VICTIM.email);
      await page.getByRole("button", { name: "Invite member" }).click();
      await expect(page.getByRole("status")).toContainText(
        `${VICTIM.email} is invited. They join the team when they accept`,
      );
      await expect(page.getByRole("table", { name: "Pending invitations" })).toContainText(VICTIM.email);
      await expect(page.getByRole("table", { name: "Members" })).not.toContainText(VICTIM.email);
      await snap(page, testInfo, "members-01-team-admin-invites");
      await signOut(page);

      // Still not a member: the team token does not reach the invitee's credential.
      expect((await callGetEnv(url, teamToken)).text).not.toContain(VICTIM_SECRET);

      await signIn(page, VICTIM.email, VICTIM.password);
      await expect(page.getByRole("heading", { name: `Welcome, ${VICTIM.name}` })).toBeVisible();
      await page.goto("/teams");
      const invitations = page.getByRole("table", { name: "Invitations" });
      await expect(invitations).toContainText("Team X");
      await expect(invitations).toContainText(LEAD.name);
      await snap(page, testInfo, "members-02-invitation");
      await page.getByRole("button", { name: "Accept the invitation to Team X" }).click();
      await expect(page.getByRole("table", { name: "Teams" })).toContainText("Team X");
      await expect(page.getByRole("table", { name: "Invitations" })).toHaveCount(0);
      expect((await callGetEnv(url, teamToken)).text).toContain(VICTIM_SECRET);

      // The owner sees who used the credential, and turns team use off.
      // Calls are audited in batches a moment after they end: look again until this one is there.
      const calls = page.getByRole("table", { name: "Latest calls" });
      await expect(async () => {
        await page.goto("/credentials");
        await expect(calls).toContainText("team Team X token “x agent”", { timeout: 1000 });
      }).toPass({ timeout: 15_000 });
      await expect(calls).toContainText("get-env");
      await snap(page, testInfo, "members-03-credential-calls");
      await page.getByRole("button", { name: "Turn off team use of the Keyed credential" }).click();
      await expect(page.getByRole("button", { name: "Allow team use of the Keyed credential" })).toBeVisible();
      const call = await callGetEnv(url, teamToken);
      expect(call.isError).toBe(true);
      expect(call.text).not.toContain(VICTIM_SECRET);
      await signOut(page);
    });

    test("API: a credential's calls are its owner's to see", async ({ baseURL }) => {
      const base = baseURL ?? "";
      const vic = await tokenFor(base, VICTIM.email, VICTIM.password);
      const { calls } = (await api(base, vic, "GET", `/credentials/${victimCredential}/calls`)) as {
        calls: { token_kind: string; caller_team_name: string; tool_name: string; outcome: string }[];
      };
      expect(calls[0]).toMatchObject({ token_kind: "team", caller_team_name: "Team X", tool_name: "get-env" });
      const theirs = await cliAs(vic, ["credentials", "calls", victimCredential], base);
      expect(theirs.stdout).toContain("team Team X token");
      // Another person (the team admin included) is told it does not exist; a team token cannot use the API.
      const ask = (token: string) =>
        fetch(`${base}/api/v1/credentials/${victimCredential}/calls`, {
          headers: { authorization: `Bearer ${token}` },
        });
      expect((await ask(lead)).status).toBe(404);
      expect((await ask(teamToken)).status).toBe(403);
      const byAdmin = await fetch(`${base}/api/v1/credentials/${victimCredential}/calls`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(byAdmin.status).toBe(200);
    });
  });
