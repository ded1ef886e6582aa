import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { ADMIN, cli, MEMBER, signIn, snap } from "./support";

const MEMORY_BIN = path.resolve("node_modules/.bin/mcp-server-memory");

/** The pid of the process whose environment holds this exact value (the instance we started). */
function pidWithEnv(value: string): number | undefined {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(value)) return Number(entry);
    } catch {}
  }
  return undefined;
}

async function statusCell(page: Page, server: string) {
  return page
    .getByRole("row", { name: new RegExp(server) })
    .getByRole("cell")
    .nth(3);
}

test.describe
  .serial("local servers run as instances, one per credential", () => {
    const secret = `memtok-${Date.now()}`;
    let adminEnv: Record<string, string>;
    let memberEnv: Record<string, string>;

    test("an admin adds a server; a member installs it from the CLI and its instance starts", async ({ baseURL }) => {
      const adminHome = fs.mkdtempSync(path.join(os.tmpdir(), "cli-admin-"));
      const memberHome = fs.mkdtempSync(path.join(os.tmpdir(), "cli-member-"));
      adminEnv = { HOME: adminHome, ARCHESTRA_URL: baseURL ?? "" };
      memberEnv = { HOME: memberHome, ARCHESTRA_URL: baseURL ?? "" };
      expect((await cli(["login", "--email", ADMIN.email, "--password", ADMIN.password], adminEnv)).code).toBe(0);
      const added = await cli(
        ["catalog", "add", "--name", "Memory", "--command", MEMORY_BIN, "--secret-env", "MEMORY_TOKEN"],
        adminEnv,
      );
      expect(added.stdout, added.stderr).toContain("Added Memory (memory)");

      expect((await cli(["login", "--email", MEMBER.email, "--password", MEMBER.password], memberEnv)).code).toBe(0);
      const missing = await cli(["install", "memory"], memberEnv);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("Enter MEMORY_TOKEN");
      const installed = await cli(["install", "memory", "--set", `MEMORY_TOKEN=${secret}`], memberEnv);
      expect(installed.stdout, installed.stderr).toContain("Installed memory");
    });

    test("the member sees it running with its logs, restarts it after a kill, stops and starts it", async ({
      page,
    }, testInfo) => {
      await signIn(page, MEMBER.email, MEMBER.password);
      await expect(page.getByRole("heading", { name: `Welcome, ${MEMBER.name}` })).toBeVisible();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Servers" }).click();
      await expect(page.getByTestId("runtime-mode")).toContainText("Single-machine mode");
      // This machine has bubblewrap (CI installs it): servers are sandboxed, and the page says so.
      await expect(page.getByTestId("runtime-mode")).toContainText("sandboxed with bubblewrap");
      await expect(page.getByTestId("sandbox-warning")).toHaveCount(0);
      await expect(async () => {
        await page.reload();
        await expect(await statusCell(page, "Memory")).toContainText("running", { timeout: 500 });
      }).toPass({ timeout: 20_000 });
      await snap(page, testInfo, "10-servers");

      const pid = pidWithEnv(`MEMORY_TOKEN=${secret}`);
      expect(pid, "the instance's process carries the member's value in its environment").toBeDefined();
      expect(await page.content()).not.toContain(secret);

      // Killed: it comes back by itself.
      process.kill(pid as number, "SIGKILL");
      await expect(async () => {
        await page.reload();
        const row = page.getByRole("row", { name: /Memory/ });
        await expect(row.getByRole("cell").nth(5)).toHaveText("1", { timeout: 500 });
        await expect(row.getByRole("cell").nth(3)).toContainText("running", { timeout: 500 });
      }).toPass({ timeout: 20_000 });
      expect(pidWithEnv(`MEMORY_TOKEN=${secret}`)).not.toBe(pid);

      await page
        .getByRole("row", { name: /Memory/ })
        .getByRole("link", { name: "Memory" })
        .click();
      await expect(page.getByTestId("instance-logs")).toContainText("was killed by SIGKILL");
      expect(await page.content()).not.toContain(secret);
      await snap(page, testInfo, "11-server-logs");

      await page.getByRole("link", { name: "← All servers" }).click();
      await page
        .getByRole("row", { name: /Memory/ })
        .getByRole("button", { name: /^Stop / })
        .click();
      await expect(await statusCell(page, "Memory")).toContainText("stopped");
      await expect.poll(() => pidWithEnv(`MEMORY_TOKEN=${secret}`)).toBeUndefined();
      await page
        .getByRole("row", { name: /Memory/ })
        .getByRole("button", { name: /^Start / })
        .click();
      await expect(async () => {
        await page.reload();
        await expect(await statusCell(page, "Memory")).toContainText("running", { timeout: 500 });
      }).toPass({ timeout: 20_000 });
    });

    test("other members do not see someone else's instance", async ({ baseURL }) => {
      const list = await cli(["instances", "list", "--json"], memberEnv);
      const mine = JSON.parse(list.stdout).instances.filter((i: { server_slug: string }) => i.server_slug === "memory");
      expect(mine).toHaveLength(1);
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "cli-other-"));
      const other = { HOME: home, ARCHESTRA_URL: baseURL ?? "" };
      await cli(
        ["users", "create", "--email", "other@example.com", "--name", "Other", "--password", "other-password-1"],
        adminEnv,
      );
      await cli(["login", "--email", "other@example.com", "--password", "other-password-1"], other);
      const theirs = await cli(["instances", "list", "--json"], other);
      expect(JSON.parse(theirs.stdout).instances).toEqual([]);
      const id = mine[0].id;
      const logs = await cli(["instances", "logs", id], other);
      expect(logs.stderr).toContain("Server instance was not found.");
    });
  });
