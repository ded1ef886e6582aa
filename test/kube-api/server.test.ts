import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { matchesLabels, parseLabelSelector } from "./label-selector";
import { startTestApiServer, type TestApiServer } from "./server";

describe("label selectors", () => {
  const labels = { app: "mcp", tier: "gateway", env: "prod" };
  it.each([
    ["app=mcp", true],
    ["app==mcp,tier=gateway", true],
    ["app!=mcp", false],
    ["env in (prod, staging)", true],
    ["env notin (prod)", false],
    ["tier", true],
    ["!tier", false],
    ["missing", false],
    ["!missing", true],
    ["app=mcp,env in (dev)", false],
  ])("%s -> %s", (selector, expected) => {
    expect(matchesLabels(labels, parseLabelSelector(selector))).toBe(expected);
  });
});

describe("the test API server speaks the real protocol", () => {
  let server: TestApiServer;
  let api: CoreV1Api;
  let kc: KubeConfig;
  beforeAll(async () => {
    server = await startTestApiServer();
    kc = new KubeConfig();
    kc.loadFromFile(server.writeKubeconfig(fs.mkdtempSync(path.join(os.tmpdir(), "kube-"))));
    api = kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => server.close());

  const pod = (name: string, labels: Record<string, string> = {}) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: {
      containers: [
        { name: "main", image: "node:22", command: [process.execPath, "-e", "setInterval(() => {}, 1000)"] },
      ],
    },
  });

  it("answers with Status bodies: 404, 409, 422 and 401", async () => {
    await expect(api.readNamespacedPod({ name: "nope", namespace: "default" })).rejects.toMatchObject({ code: 404 });
    await api.createNamespacedPod({ namespace: "default", body: pod("twice") });
    const conflict = await api.createNamespacedPod({ namespace: "default", body: pod("twice") }).catch((e) => e);
    expect(conflict.code).toBe(409);
    expect(JSON.parse(conflict.body)).toMatchObject({ kind: "Status", reason: "AlreadyExists" });
    const invalid = await api.createNamespacedPod({ namespace: "default", body: pod("Bad_Name") }).catch((e) => e);
    expect(invalid.code).toBe(422);
    expect(JSON.parse(invalid.body).message).toContain("a lowercase RFC 1123 subdomain");
    const longLabel = await api
      .createNamespacedPod({ namespace: "default", body: pod("long-label", { a: "x".repeat(64) }) })
      .catch((e) => e);
    expect(longLabel.code).toBe(422);
    const anonymous = await fetch(`${server.url}/api/v1/namespaces/default/pods`);
    expect(anonymous.status).toBe(401);
  });

  it("lists with label selectors and streams watch events", async () => {
    const events: string[] = [];
    const watch = await new Watch(kc).watch(
      "/api/v1/namespaces/default/pods",
      { labelSelector: "team=blue" },
      (type, obj) => {
        events.push(`${type}:${obj.metadata.name}:${obj.status?.phase ?? ""}`);
      },
      () => {},
    );
    await api.createNamespacedPod({ namespace: "default", body: pod("blue-1", { team: "blue" }) });
    await api.createNamespacedPod({ namespace: "default", body: pod("red-1", { team: "red" }) });
    const blue = await api.listNamespacedPod({ namespace: "default", labelSelector: "team in (blue)" });
    expect(blue.items.map((p) => p.metadata?.name)).toEqual(["blue-1"]);
    await new Promise((r) => setTimeout(r, 500));
    await api.deleteNamespacedPod({ name: "blue-1", namespace: "default" });
    await new Promise((r) => setTimeout(r, 200));
    watch.abort();
    expect(events[0]).toBe("ADDED:blue-1:");
    expect(events).toContain("MODIFIED:blue-1:Running");
    expect(events.at(-1)).toMatch(/^DELETED:blue-1/);
    expect(events.some((e) => e.includes("red-1"))).toBe(false);
  });
});
