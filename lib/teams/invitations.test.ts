import { describe, expect, it } from "vitest";
import type { Database } from "@/db";
import { listTeamMembers, listTeams } from "@/db/queries/teams";
import type { Actor } from "@/lib/auth/actor";
import { listCredentialCalls } from "@/lib/credentials/credential-calls";
import { setCredentialTeamUse } from "@/lib/credentials/set-team-use";
import { type CallToolContext, resolveForCaller } from "@/lib/gateway/call-tool";
import { gatewayCaller } from "@/lib/gateway/caller";
import { createGateway } from "@/lib/gateway/create-gateway";
import { userViewer } from "@/lib/gateway/gateway-access";
import { callerCache } from "@/lib/gateway/hot-path-cache";
import { listenForChanges } from "@/lib/gateway/listen-for-changes";
import type { LoadedAssignment } from "@/lib/gateway/load-gateway";
import { saveAssignments } from "@/lib/gateway/save-assignments";
import { authenticateToken } from "@/lib/tokens/authenticate-token";
import { createToken } from "@/lib/tokens/create-token";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeCredential, makeLocalItem, makeUser, testKeyring } from "@/test/support/fixtures";
import { createTeam } from "./create-team";
import {
  acceptInvitation,
  cancelInvitation,
  declineInvitation,
  listMyInvitations,
  listTeamInvitations,
} from "./invitations";
import { addTeamMember, removeTeamMember } from "./members";
import { getTeamOrThrow } from "./team-access";

const keyring = testKeyring();
// As at the app's start: the gateway's caches hear the changes teams and credentials announce.
listenForChanges();

async function auditActions(db: Database, teamId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("audit_events")
    .select("action")
    .where("team_id", "=", teamId)
    .where("action", "like", "team.%")
    .orderBy("id")
    .execute();
  return rows.map((r) => r.action);
}

/** Team X with its admin (a plain org member who is admin of X), and a team token minted by them. */
async function teamWithAdmin(db: Database) {
  const orgAdmin = await makeUser(db, "admin", "org-admin");
  const lead = await makeUser(db, "member", "lead");
  const team = await createTeam(db, orgAdmin, { name: unique("X") });
  await addTeamMember(db, orgAdmin, team.id, { email: lead.email, role: "admin" });
  const { token } = await createToken(db, lead, { kind: "team", teamId: team.id }, { name: "x ci" });
  return { orgAdmin, lead, team, token };
}

/** Which credential a call through a "resolve at call time" assignment uses, for this token. */
async function resolveWith(db: Database, token: string, itemId: string) {
  const principal = await authenticateToken(db, token);
  if (!principal) throw new Error("token refused");
  const caller = await gatewayCaller(db, principal);
  const assignment: LoadedAssignment = {
    id: "a",
    prefix: null,
    mode: "call_time",
    staticCredentialId: null,
    prompts: null,
    resources: null,
    item: { id: itemId, slug: "s", name: "S", kind: "local" },
  };
  return resolveForCaller({ db, caller } as unknown as CallToolContext, assignment);
}

async function apiKeyCredential(db: Database, owner: Actor) {
  const item = await makeLocalItem(db, { command: "true", args: [] });
  const credential = await makeCredential(db, keyring, {
    itemId: item.id,
    ownerUserId: owner.id,
    secret: { env: { API_KEY: `secret-of-${owner.name}` } },
  });
  return { item, credential };
}

describe.each(backends)("team invitations and credential consent on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  it("the issue's scenario: a team admin's team token does not reach a person they only invited", async () => {
    const { lead, team, token } = await teamWithAdmin(t.db);
    // A person with an API-key credential, and a person in no team.
    const victim = await makeUser(t.db, "member", "victim");
    const loner = await makeUser(t.db, "member", "loner");
    const v = await apiKeyCredential(t.db, victim);
    const l = await apiKeyCredential(t.db, loner);

    const added = await addTeamMember(t.db, lead, team.id, { email: victim.email });
    const added2 = await addTeamMember(t.db, lead, team.id, { email: loner.email });
    expect(added.kind).toBe("invited");
    expect(added2.kind).toBe("invited");
    // Before the fix each call resolved to that person's credential (via team_member).
    expect(await resolveWith(t.db, token, v.item.id)).toEqual({ kind: "missing" });
    expect(await resolveWith(t.db, token, l.item.id)).toEqual({ kind: "missing" });
    expect((await listTeamMembers(t.db, team.id)).map((m) => m.user_id)).toEqual([lead.id]);

    // The invitee sees the invitation; accepting makes them a member, and then it resolves.
    const [invitation] = await listMyInvitations(t.db, victim);
    expect(invitation).toMatchObject({ team_id: team.id, role: "member", invited_by_name: "lead" });
    await acceptInvitation(t.db, victim, invitation?.id ?? "");
    expect(await resolveWith(t.db, token, v.item.id)).toEqual({
      kind: "resolved",
      credentialId: v.credential.id,
      via: "team_member",
    });
    // With team use switched off by its owner, it does not.
    await setCredentialTeamUse(t.db, victim, v.credential.id, { teamUse: false });
    expect(await resolveWith(t.db, token, v.item.id)).toEqual({ kind: "missing" });
    await setCredentialTeamUse(t.db, victim, v.credential.id, { teamUse: true });
    expect((await resolveWith(t.db, token, v.item.id)) as { kind: string }).toMatchObject({ kind: "resolved" });

    // The loner declines: still nothing.
    const [other] = await listMyInvitations(t.db, loner);
    await declineInvitation(t.db, loner, other?.id ?? "");
    expect(await listMyInvitations(t.db, loner)).toEqual([]);
    expect(await resolveWith(t.db, token, l.item.id)).toEqual({ kind: "missing" });

    expect(await auditActions(t.db, team.id)).toEqual([
      "team.create",
      "team.member.add",
      "team.invitation.create",
      "team.invitation.create",
      "team.invitation.accept",
      "team.invitation.decline",
    ]);
  });

  it("an accepted invitation reaches a cached team-token caller at once", async () => {
    const { lead, team, token } = await teamWithAdmin(t.db);
    const dev = await makeUser(t.db, "member", "dev");
    const principal = await authenticateToken(t.db, token);
    if (!principal) throw new Error("token refused");
    const read = () => callerCache().read(principal.token.id, () => gatewayCaller(t.db, principal));
    expect((await read()).caller).toEqual({ kind: "team", teamId: team.id, memberIds: [lead.id] });
    const outcome = await addTeamMember(t.db, lead, team.id, { email: dev.email });
    if (outcome.kind !== "invited") throw new Error("expected an invitation");
    await acceptInvitation(t.db, dev, outcome.invitation.id);
    expect(((await read()).caller as { memberIds: string[] }).memberIds.sort()).toEqual([lead.id, dev.id].sort());
    await removeTeamMember(t.db, lead, team.id, dev.id);
    expect((await read()).caller).toEqual({ kind: "team", teamId: team.id, memberIds: [lead.id] });
  });

  it("only the invitee answers; expired, answered and others' invitations are not found", async () => {
    const { lead, orgAdmin, team } = await teamWithAdmin(t.db);
    const dev = await makeUser(t.db, "member", "dev");
    const nosy = await makeUser(t.db, "member", "nosy");
    const outcome = await addTeamMember(t.db, lead, team.id, { email: dev.email, role: "admin" });
    if (outcome.kind !== "invited") throw new Error("expected an invitation");
    const id = outcome.invitation.id;
    for (const who of [nosy, lead, orgAdmin]) {
      await expect(acceptInvitation(t.db, who, id)).rejects.toMatchObject({ code: "not_found" });
      await expect(declineInvitation(t.db, who, id)).rejects.toMatchObject({ code: "not_found" });
    }
    await expect(acceptInvitation(t.db, dev, "not-a-uuid")).rejects.toMatchObject({ code: "not_found" });
    // The invitee does not see the team until they accept, nor is it counted.
    await expect(getTeamOrThrow(t.db, dev, team.id)).rejects.toMatchObject({ code: "not_found" });
    expect(await listTeams(t.db, dev.id, { all: false })).toEqual([]);
    expect((await listTeams(t.db, lead.id, { all: false }))[0]?.member_count).toBe(1);
    // An invitation can carry the admin role; the invitee sees it before accepting.
    expect((await listMyInvitations(t.db, dev))[0]?.role).toBe("admin");

    await t.db
      .updateTable("team_invitations")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", id)
      .execute();
    expect(await listMyInvitations(t.db, dev)).toEqual([]);
    await expect(acceptInvitation(t.db, dev, id)).rejects.toMatchObject({ code: "not_found" });
    // Inviting again renews it.
    const again = await addTeamMember(t.db, lead, team.id, { email: dev.email });
    if (again.kind !== "invited") throw new Error("expected an invitation");
    expect(again.invitation.id).toBe(id);
    const joined = await acceptInvitation(t.db, dev, id);
    expect(joined).toMatchObject({ teamId: team.id, role: "member" });
    await expect(acceptInvitation(t.db, dev, id)).rejects.toMatchObject({ code: "not_found" });
    expect((await getTeamOrThrow(t.db, dev, team.id)).role).toBe("member");
  });

  it("team admins list and withdraw their team's invitations; members and outsiders cannot", async () => {
    const { lead, team } = await teamWithAdmin(t.db);
    const dev = await makeUser(t.db, "member", "dev");
    const member = await makeUser(t.db, "member", "member");
    const outsider = await makeUser(t.db, "member", "outsider");
    const m = await addTeamMember(t.db, lead, team.id, { email: member.email });
    if (m.kind !== "invited") throw new Error("expected an invitation");
    await acceptInvitation(t.db, member, m.invitation.id);
    const d = await addTeamMember(t.db, lead, team.id, { email: dev.email });
    if (d.kind !== "invited") throw new Error("expected an invitation");

    expect((await listTeamInvitations(t.db, lead, team.slug)).map((i) => [i.email, i.role])).toEqual([
      [dev.email, "member"],
    ]);
    await expect(listTeamInvitations(t.db, member, team.id)).rejects.toMatchObject({ code: "forbidden" });
    await expect(listTeamInvitations(t.db, outsider, team.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(cancelInvitation(t.db, member, team.id, d.invitation.id)).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(addTeamMember(t.db, member, team.id, { email: outsider.email })).rejects.toMatchObject({
      code: "forbidden",
    });
    // Another team's admin cannot withdraw it through their own team.
    const other = await teamWithAdmin(t.db);
    await expect(cancelInvitation(t.db, other.lead, other.team.id, d.invitation.id)).rejects.toMatchObject({
      code: "not_found",
    });

    await cancelInvitation(t.db, lead, team.id, d.invitation.id);
    expect(await listMyInvitations(t.db, dev)).toEqual([]);
    await expect(acceptInvitation(t.db, dev, d.invitation.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await auditActions(t.db, team.id)).slice(-1)).toEqual(["team.invitation.cancel"]);
  });

  it("an unknown email gets the same answer as before invitations; nothing is created", async () => {
    const { lead, team } = await teamWithAdmin(t.db);
    const err = await addTeamMember(t.db, lead, team.id, { email: "nobody-here@example.com" }).catch((e) => e);
    expect(err.code).toBe("not_found");
    expect(err.message).toBe("No user has that email. Create the user first.");
    expect(await listTeamInvitations(t.db, lead, team.id)).toEqual([]);
  });

  it("org admins add at once (or invite); a direct add clears a pending invitation", async () => {
    const { orgAdmin, lead, team } = await teamWithAdmin(t.db);
    const dev = await makeUser(t.db, "member", "dev");
    const ops = await makeUser(t.db, "member", "ops");
    const invited = await addTeamMember(t.db, orgAdmin, team.id, { email: dev.email, invite: true });
    expect(invited.kind).toBe("invited");
    expect((await listTeamMembers(t.db, team.id)).map((m) => m.user_id)).toEqual([lead.id]);
    const direct = await addTeamMember(t.db, orgAdmin, team.id, { email: ops.email });
    expect(direct).toMatchObject({ kind: "member", changed: "added", role: "member" });
    // A team admin's invitation the org admin then adds directly: no stale invitation left.
    await addTeamMember(t.db, lead, team.id, { email: dev.email });
    await addTeamMember(t.db, orgAdmin, team.id, { email: dev.email });
    expect(await listMyInvitations(t.db, dev)).toEqual([]);
    expect((await listTeamMembers(t.db, team.id)).length).toBe(3);
  });

  it("a team admin changes an existing member's role directly, and it is audited", async () => {
    const { lead, team } = await teamWithAdmin(t.db);
    const dev = await makeUser(t.db, "member", "dev");
    const d = await addTeamMember(t.db, lead, team.id, { email: dev.email });
    if (d.kind !== "invited") throw new Error("expected an invitation");
    await acceptInvitation(t.db, dev, d.invitation.id);
    expect(await addTeamMember(t.db, lead, team.id, { email: dev.email, role: "admin" })).toMatchObject({
      kind: "member",
      changed: "role",
      role: "admin",
    });
    expect(await addTeamMember(t.db, lead, team.id, { email: dev.email, role: "admin" })).toMatchObject({
      changed: "unchanged",
    });
    expect((await getTeamOrThrow(t.db, dev, team.id)).role).toBe("admin");
    expect((await auditActions(t.db, team.id)).slice(-1)).toEqual(["team.member.role"]);
  });

  it("team use is the owner's switch alone, for personal credentials, and is audited", async () => {
    const owner = await makeUser(t.db, "member", "owner");
    const orgAdmin = await makeUser(t.db, "admin", "org-admin");
    const other = await makeUser(t.db, "member", "other");
    const { credential } = await apiKeyCredential(t.db, owner);
    await expect(setCredentialTeamUse(t.db, other, credential.id, { teamUse: false })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(setCredentialTeamUse(t.db, orgAdmin, credential.id, { teamUse: false })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(setCredentialTeamUse(t.db, owner, credential.id, { teamUse: "no" })).rejects.toMatchObject({
      code: "bad_request",
    });
    await expect(
      setCredentialTeamUse(t.db, owner, credential.id, { teamUse: false, status: "active" }),
    ).rejects.toMatchObject({ code: "bad_request" });
    expect(await setCredentialTeamUse(t.db, owner, credential.id, { teamUse: false })).toEqual({
      id: credential.id,
      teamUse: false,
    });
    const row = await t.db
      .selectFrom("audit_events")
      .select(["action", "details"])
      .where("credential_id", "=", credential.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ action: "credential.team_use", details: { teamUse: false } });
    // A team credential is the team's: no switch, and no hint that it exists.
    const team = await createTeam(t.db, orgAdmin, { name: unique("T") });
    const teamCred = await t.db
      .insertInto("credentials")
      .values({
        id: crypto.randomUUID(),
        catalog_item_id: credential.catalog_item_id,
        scope: "team",
        owner_team_id: team.id,
        sealed_secret: "x",
        status: "active",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await expect(setCredentialTeamUse(t.db, orgAdmin, teamCred.id, { teamUse: false })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("a credential's latest calls: its owner, its team's admins and org admins see them; no one else", async () => {
    const { orgAdmin, lead, team } = await teamWithAdmin(t.db);
    const owner = await makeUser(t.db, "member", "owner");
    const member = await makeUser(t.db, "member", "member");
    await addTeamMember(t.db, orgAdmin, team.id, { email: owner.email });
    await addTeamMember(t.db, orgAdmin, team.id, { email: member.email });
    const { credential, item } = await apiKeyCredential(t.db, owner);
    const teamCred = await t.db
      .insertInto("credentials")
      .values({
        id: crypto.randomUUID(),
        catalog_item_id: item.id,
        scope: "team",
        owner_team_id: team.id,
        sealed_secret: "x",
        status: "active",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const { listing } = await createToken(t.db, lead, { kind: "team", teamId: team.id }, { name: "x bot" });
    const gw = await createGateway(t.db, await userViewer(t.db, orgAdmin), { name: unique("gw") });
    const call = (credentialId: string, at: Date, by: Partial<{ user: string; token: string; team: string }>) =>
      t.db
        .insertInto("audit_events")
        .values({
          at,
          action: "tool.call",
          outcome: "ok",
          actor_user_id: by.user ?? null,
          actor_token_id: by.token ?? null,
          token_kind: by.team ? "team" : "user",
          team_id: by.team ?? null,
          gateway_id: gw.id,
          catalog_item_id: item.id,
          credential_id: credentialId,
          tool_name: "echo",
        })
        .execute();
    await call(credential.id, new Date(Date.now() - 2000), { user: owner.id });
    await call(credential.id, new Date(Date.now() - 1000), { team: team.id, token: listing.id });
    await call(teamCred.id, new Date(), { user: member.id });

    const calls = await listCredentialCalls(t.db, owner, credential.id);
    expect(calls.map((c) => [c.token_kind, c.caller_name, c.caller_team_name, c.token_name, c.gateway_slug])).toEqual([
      ["team", null, team.name, "x bot", gw.slug],
      ["user", "owner", null, null, gw.slug],
    ]);
    expect((await listCredentialCalls(t.db, orgAdmin, credential.id)).length).toBe(2);
    // Team admins of the owner's team do not see a member's personal credential's calls.
    for (const who of [lead, member]) {
      await expect(listCredentialCalls(t.db, who, credential.id)).rejects.toMatchObject({ code: "not_found" });
    }
    expect((await listCredentialCalls(t.db, lead, teamCred.id)).map((c) => c.caller_email)).toEqual([member.email]);
    await expect(listCredentialCalls(t.db, member, teamCred.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(listCredentialCalls(t.db, owner, "nope")).rejects.toMatchObject({ code: "not_found" });
  });

  it("a personal credential is bound statically by its owner only; a team credential by its team admins or an org admin", async () => {
    const { orgAdmin, lead, team } = await teamWithAdmin(t.db);
    const dev = await makeUser(t.db, "member", "dev");
    const stranger = await makeUser(t.db, "member", "stranger");
    await addTeamMember(t.db, orgAdmin, team.id, { email: dev.email });
    const item = await makeLocalItem(t.db, { command: "true", args: [] });
    const mk = (owner: Actor) =>
      makeCredential(t.db, keyring, { itemId: item.id, ownerUserId: owner.id, secret: { env: { K: "v" } } });
    const devCred = await mk(dev);
    const strangerCred = await mk(stranger);
    const leadCred = await mk(lead);
    const leadViewer = await userViewer(t.db, lead);
    const gw = await createGateway(t.db, leadViewer, { name: unique("team gw"), teamId: team.id });
    const bind = (viewerActor: Actor, credentialId: string) =>
      userViewer(t.db, viewerActor).then((v) =>
        saveAssignments(t.db, v, gw.id, { assignments: [{ server: item.id, mode: "static", credentialId }] }),
      );
    // A team admin cannot bind a member's personal credential, nor a stranger's.
    await expect(bind(lead, devCred.id)).rejects.toMatchObject({ code: "forbidden" });
    await expect(bind(lead, strangerCred.id)).rejects.toMatchObject({ code: "forbidden" });
    expect(await bind(lead, leadCred.id)).toBe(1);
    // Nor can an org admin: a personal credential is bound by its owner only.
    await expect(bind(orgAdmin, devCred.id)).rejects.toMatchObject({ code: "forbidden" });
  });
});
