import { describe, expect, it } from "vitest";
import type { Orchestrator } from "@/lib/orchestrator";
import { backends, unique, useMigratedDatabase } from "@/test/support/database";
import { makeUser, testKeyring } from "@/test/support/fixtures";
import type { CallToolContext } from "./call-tool";
import { awaitConnection, MAX_WAITS_PER_TOKEN } from "./connect-by-url";
import { createGateway } from "./create-gateway";
import { userViewer } from "./gateway-access";
import type { LoadedAssignment } from "./load-gateway";

describe.each(backends.slice(0, 1))("waiting for a person to connect, on $name", (backend) => {
  const t = useMigratedDatabase(backend);

  /** A person who has connected nothing, calling through a call-time assignment, with `tokenId`. */
  async function setUp() {
    const person = await makeUser(t.db, "member");
    const viewer = await userViewer(t.db, person);
    const gateway = await createGateway(t.db, await userViewer(t.db, await makeUser(t.db, "admin")), {
      name: unique("g"),
    });
    const item = await t.db
      .insertInto("catalog_items")
      .values({
        slug: unique("diary"),
        name: "Diary",
        kind: "remote",
        url: "http://127.0.0.1:9/mcp",
        auth_kind: "none",
        env_schema: "[]",
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const assignment: LoadedAssignment = {
      id: crypto.randomUUID(),
      prefix: "",
      mode: "call_time",
      staticCredentialId: null,
      prompts: null,
      resources: null,
      item: { id: item.id, slug: item.slug, name: item.name, kind: "remote" },
    };
    const ctxOf = (tokenId: string): CallToolContext => ({
      db: t.db,
      orchestrator: {} as Orchestrator,
      keyring: testKeyring(),
      gateway,
      caller: {
        viewer,
        caller: { kind: "user", userId: person.id, teamIds: [] },
        tokenId,
        tokenKind: "user",
        userId: person.id,
        teamId: null,
      },
      origin: "http://localhost",
      timeoutMs: 10_000,
    });
    return { assignment, ctxOf };
  }

  const settledWithin = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([promise.then((v) => ({ value: v })), new Promise<null>((r) => setTimeout(() => r(null), ms))]);

  it("a token that starts wait after wait holds its share; beyond it calls answer at once, and others still wait", async () => {
    const { assignment, ctxOf } = await setUp();
    const stop = new AbortController();
    const wait = (tokenId: string) =>
      awaitConnection(ctxOf(tokenId), assignment, { timeoutMs: 10_000, signal: stop.signal });
    const greedy = Array.from({ length: MAX_WAITS_PER_TOKEN }, () => wait("greedy"));
    // The next one of the same token does not wait: no credential, so false at once.
    expect(await settledWithin(wait("greedy"), 200)).toEqual({ value: false });
    // Another token's wait is not held back (it is still waiting after the same time).
    const modest = wait("modest");
    expect(await settledWithin(modest, 200)).toBeNull();
    stop.abort();
    expect(await Promise.all([...greedy, modest])).toEqual(Array(MAX_WAITS_PER_TOKEN + 1).fill(false));
    // Ended waits make room again.
    const again = new AbortController();
    const later = awaitConnection(ctxOf("greedy"), assignment, { timeoutMs: 10_000, signal: again.signal });
    expect(await settledWithin(later, 200)).toBeNull();
    again.abort();
    expect(await later).toBe(false);
  });
});
