import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { WebSocket, WebSocketServer } from "ws";
import { matchesLabels, parseLabelSelector } from "./label-selector";
import { type Kind, validateObject } from "./validation";

/**
 * A protocol-level Kubernetes API server for tests: the REST and WebSocket protocol that
 * @kubernetes/client-node speaks for core/v1 pods, secrets and services (create, get, list
 * with label selectors, replace, delete, watch, logs, attach with channel.k8s.io framing),
 * real `Status` errors, resourceVersions, and validation like the real server's. Its simulated
 * kubelet runs each pod's container command as a local process.
 */
// biome-ignore lint/suspicious/noExplicitAny: objects are plain JSON, as on the wire
type Obj = any;

export interface TestApiServerOptions {
  /** Images the kubelet can "pull"; the rest fail with ErrImagePull. Default: all. */
  pullable?: (image: string) => boolean;
  token?: string;
}

export interface TestApiServer {
  url: string;
  writeKubeconfig(dir: string, namespace?: string): string;
  objects(kind: Kind): Obj[];
  killContainer(namespace: string, pod: string): void;
  close(): Promise<void>;
}

/** A node label no node has: pods that select it are never scheduled. */
export const UNSCHEDULABLE_LABEL = "kube-api.test/unschedulable";

const KINDS: Record<Kind, string> = { pods: "Pod", secrets: "Secret", services: "Service" };

interface Container {
  /** The most attach streams this container had open at once. */
  maxAttached: number;
  child: ChildProcess | null;
  log: string[];
  sockets: Set<WebSocket>;
  stopped: boolean;
  timer: NodeJS.Timeout | null;
  backoffMs: number;
}

function status(code: number, reason: string, message: string, details?: Obj) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  };
}

export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  const token = options.token ?? "test-token";
  const store: Record<Kind, Map<string, Obj>> = { pods: new Map(), secrets: new Map(), services: new Map() };
  const containers = new Map<string, Container>();
  const watchers = new Set<{
    kind: Kind;
    ns: string;
    selector: ReturnType<typeof parseLabelSelector>;
    res: http.ServerResponse;
  }>();
  let version = 1;

  const bump = (obj: Obj) => {
    obj.metadata.resourceVersion = String(++version);
    return obj;
  };
  const emit = (kind: Kind, type: string, obj: Obj) => {
    for (const w of watchers) {
      if (w.kind === kind && w.ns === obj.metadata.namespace && matchesLabels(obj.metadata.labels, w.selector)) {
        w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
      }
    }
  };
  const key = (ns: string, name: string) => `${ns}/${name}`;

  // --- the simulated kubelet -------------------------------------------------------------
  const setContainerState = (pod: Obj, state: Obj, extra: Obj = {}) => {
    const prev = pod.status?.containerStatuses?.[0] ?? {};
    pod.status = {
      phase: state.running ? "Running" : "Pending",
      containerStatuses: [
        {
          name: pod.spec.containers[0].name,
          image: pod.spec.containers[0].image,
          imageID: "",
          ready: Boolean(state.running),
          restartCount: prev.restartCount ?? 0,
          ...prev,
          state,
          ...extra,
        },
      ],
    };
    bump(pod);
    emit("pods", "MODIFIED", pod);
  };

  const envFor = (pod: Obj, c: Obj): Record<string, string> | string => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
    for (const from of c.envFrom ?? []) {
      const secret = store.secrets.get(key(pod.metadata.namespace, from.secretRef?.name));
      if (!secret) return `secret "${from.secretRef?.name}" not found`;
      for (const [k, v] of Object.entries<string>(secret.data ?? {}))
        env[k] = Buffer.from(v, "base64").toString("utf8");
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.secretKeyRef) {
        const ref = e.valueFrom.secretKeyRef;
        const v = store.secrets.get(key(pod.metadata.namespace, ref.name))?.data?.[ref.key];
        if (v === undefined) return `secret "${ref.name}" has no key "${ref.key}"`;
        env[e.name] = Buffer.from(v, "base64").toString("utf8");
      }
    }
    return env;
  };

  const run = (pod: Obj) => {
    const id = key(pod.metadata.namespace, pod.metadata.name);
    const state = containers.get(id);
    if (!state || state.stopped) return;
    // Scheduling: a pod that asks for a node label no node has stays unscheduled (Pending).
    if (pod.spec.nodeSelector?.[UNSCHEDULABLE_LABEL]) return;
    pod.spec.nodeName = "test-node";
    const c = pod.spec.containers[0];
    if (options.pullable && !options.pullable(c.image)) {
      setContainerState(pod, {
        waiting: { reason: "ErrImagePull", message: `failed to pull image "${c.image}": not found` },
      });
      return;
    }
    const env = envFor(pod, c);
    if (typeof env === "string") {
      setContainerState(pod, { waiting: { reason: "CreateContainerConfigError", message: env } });
      return;
    }
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    const child: ChildProcess = spawn(argv[0] ?? "", argv.slice(1), { env: env as NodeJS.ProcessEnv, stdio: "pipe" });
    state.child = child;
    const out = (channel: number) => (chunk: Buffer) => {
      state.log.push(...chunk.toString().split("\n").filter(Boolean));
      if (state.log.length > 2000) state.log.splice(0, state.log.length - 2000);
      for (const ws of state.sockets)
        if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), chunk]));
    };
    // Like a container runtime: both streams go to the log and to every attached client.
    child.stdout?.on("data", out(1));
    child.stderr?.on("data", out(2));
    child.stdin?.on("error", () => {});
    child.once("spawn", () => setContainerState(pod, { running: { startedAt: new Date().toISOString() } }));
    child.once("error", (err) => {
      if (child.pid === undefined)
        setContainerState(pod, { waiting: { reason: "RunContainerError", message: err.message } });
    });
    child.once("exit", (code, signal) => {
      state.child = null;
      for (const ws of state.sockets) ws.close();
      state.sockets.clear();
      if (state.stopped) return;
      const prev = pod.status?.containerStatuses?.[0] ?? {};
      setContainerState(
        pod,
        { waiting: { reason: "CrashLoopBackOff", message: "back-off restarting failed container" } },
        {
          restartCount: (prev.restartCount ?? 0) + 1,
          lastState: {
            terminated: {
              exitCode: code ?? 137,
              reason: signal ? "Error" : code === 0 ? "Completed" : "Error",
              finishedAt: new Date().toISOString(),
            },
          },
        },
      );
      state.timer = setTimeout(() => run(pod), state.backoffMs);
      state.backoffMs = Math.min(state.backoffMs * 2, 5000);
    });
  };

  const stopContainer = (id: string) => {
    const state = containers.get(id);
    if (!state) return;
    state.stopped = true;
    if (state.timer) clearTimeout(state.timer);
    state.child?.kill("SIGKILL");
    containers.delete(id);
  };

  // --- REST ---------------------------------------------------------------------------------
  const readBody = (req: http.IncomingMessage) =>
    new Promise<Obj>((resolve) => {
      let text = "";
      req.on("data", (c) => {
        text += c;
      });
      req.on("end", () => {
        try {
          resolve(text ? JSON.parse(text) : {});
        } catch {
          resolve(undefined);
        }
      });
    });

  const server = http.createServer(async (req, res) => {
    const send = (code: number, body: Obj) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://x");
    // For tests only: how many attach streams each container has had open at once.
    if (url.pathname === "/debug/attachments") {
      return send(
        200,
        Object.fromEntries([...containers].map(([k, c]) => [k, { open: c.sockets.size, max: c.maxAttached }])),
      );
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, status(401, "Unauthorized", "Unauthorized"));
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|secrets|services)(?:\/([^/]+))?(?:\/(log))?$/.exec(url.pathname);
    if (!m) return send(404, status(404, "NotFound", "the server could not find the requested resource"));
    const [, ns, kindText, name, sub] = m as unknown as [string, string, Kind, string | undefined, string | undefined];
    const kind = kindText as Kind;
    const objects = store[kind];
    const notFound = () =>
      send(404, status(404, "NotFound", `${kind.slice(0, -1)}s "${name}" not found`, { name, kind }));

    if (req.method === "GET" && !name) {
      const selector = parseLabelSelector(url.searchParams.get("labelSelector") ?? "");
      const items = [...objects.values()].filter(
        (o) => o.metadata.namespace === ns && matchesLabels(o.metadata.labels, selector),
      );
      if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        res.flushHeaders();
        for (const o of items) res.write(`${JSON.stringify({ type: "ADDED", object: o })}\n`);
        const w = { kind, ns, selector, res };
        watchers.add(w);
        req.on("close", () => watchers.delete(w));
        return;
      }
      return send(200, {
        kind: `${KINDS[kind]}List`,
        apiVersion: "v1",
        metadata: { resourceVersion: String(version) },
        items,
      });
    }
    if (req.method === "POST" && !name) {
      const body = await readBody(req);
      if (!body) return send(400, status(400, "BadRequest", "the body of the request was in an unknown format"));
      body.metadata = { ...(body.metadata ?? {}), namespace: ns };
      const causes = validateObject(kind, body);
      if (causes.length) {
        return send(
          422,
          status(
            422,
            "Invalid",
            `${KINDS[kind]} "${body.metadata.name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
            { name: body.metadata.name, kind, causes },
          ),
        );
      }
      if (objects.has(key(ns, body.metadata.name))) {
        return send(
          409,
          status(409, "AlreadyExists", `${kind} "${body.metadata.name}" already exists`, {
            name: body.metadata.name,
            kind,
          }),
        );
      }
      const obj = bump({
        ...body,
        kind: KINDS[kind],
        apiVersion: "v1",
        metadata: { ...body.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString() },
      });
      objects.set(key(ns, obj.metadata.name), obj);
      emit(kind, "ADDED", obj);
      if (kind === "pods") {
        obj.status = { phase: "Pending" };
        containers.set(key(ns, obj.metadata.name), {
          maxAttached: 0,
          child: null,
          log: [],
          sockets: new Set(),
          stopped: false,
          timer: null,
          backoffMs: 200,
        });
        setImmediate(() => run(obj));
      }
      return send(201, obj);
    }
    const obj = name ? objects.get(key(ns, name)) : undefined;
    if (!obj) return notFound();
    if (req.method === "GET" && sub === "log") {
      const state = containers.get(key(ns, name as string));
      // As kube-apiserver answers for a pod with no node yet: 204, no body, no Content-Type.
      if (!obj.spec.nodeName) {
        res.writeHead(204);
        return res.end();
      }
      if (!obj.status?.containerStatuses?.[0]?.state?.running && !obj.status?.containerStatuses?.[0]?.lastState) {
        return send(
          400,
          status(400, "BadRequest", `container "${obj.spec.containers[0].name}" in pod "${name}" is waiting to start`),
        );
      }
      const tail = Number(url.searchParams.get("tailLines") ?? 0);
      const lines = state?.log ?? [];
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end(`${(tail ? lines.slice(-tail) : lines).join("\n")}\n`);
    }
    if (req.method === "GET") return send(200, obj);
    if (req.method === "PUT") {
      const body = await readBody(req);
      if (body?.metadata?.resourceVersion && body.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        return send(
          409,
          status(
            409,
            "Conflict",
            `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          ),
        );
      }
      const causes = validateObject(kind, body);
      if (causes.length) return send(422, status(422, "Invalid", `${KINDS[kind]} "${name}" is invalid`, { causes }));
      const next = bump({
        ...body,
        kind: KINDS[kind],
        apiVersion: "v1",
        metadata: {
          ...body.metadata,
          namespace: ns,
          uid: obj.metadata.uid,
          creationTimestamp: obj.metadata.creationTimestamp,
        },
      });
      objects.set(key(ns, name as string), next);
      emit(kind, "MODIFIED", next);
      return send(200, next);
    }
    if (req.method === "DELETE") {
      objects.delete(key(ns, name as string));
      if (kind === "pods") stopContainer(key(ns, name as string));
      emit(kind, "DELETED", obj);
      return send(200, obj);
    }
    return send(
      405,
      status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"),
    );
  });

  // --- attach: a WebSocket with channel.k8s.io framing -----------------------------------------
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => ["v5.channel.k8s.io", "v4.channel.k8s.io"].find((p) => protocols.has(p)) ?? false,
  });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/attach$/.exec(url.pathname);
    const reject = (code: number, text: string) => {
      socket.write(
        `HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(status(code, text, text))}`,
      );
      socket.destroy();
    };
    if (req.headers.authorization !== `Bearer ${token}`) return reject(401, "Unauthorized");
    if (!m) return reject(404, "NotFound");
    const state = containers.get(key(m[1] as string, m[2] as string));
    if (!state?.child) return reject(400, "BadRequest");
    wss.handleUpgrade(req, socket, head, (ws) => {
      state.sockets.add(ws);
      state.maxAttached = Math.max(state.maxAttached, state.sockets.size);
      ws.on("message", (data: Buffer) => {
        const channel = data[0];
        if (channel === 0) state.child?.stdin?.write(data.subarray(1));
        if (channel === 255 && data[1] === 0) state.child?.stdin?.end();
      });
      ws.on("close", () => state.sockets.delete(ws));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    writeKubeconfig(dir, namespace = "default") {
      const file = path.join(dir, "kubeconfig.yaml");
      fs.writeFileSync(
        file,
        [
          "apiVersion: v1",
          "kind: Config",
          "clusters:",
          `- name: test\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true`,
          "users:",
          `- name: test\n  user:\n    token: ${token}`,
          "contexts:",
          `- name: test\n  context:\n    cluster: test\n    user: test\n    namespace: ${namespace}`,
          "current-context: test",
          "",
        ].join("\n"),
      );
      return file;
    },
    objects: (kind) => [...store[kind].values()].map((o) => structuredClone(o)),
    killContainer(namespace, pod) {
      containers.get(key(namespace, pod))?.child?.kill("SIGKILL");
    },
    async close() {
      for (const id of [...containers.keys()]) stopContainer(id);
      for (const w of watchers) w.res.end();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
