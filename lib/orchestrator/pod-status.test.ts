import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { podToObserved } from "./pod-status";

const pod = (status: V1Pod["status"], extra: Partial<V1Pod["metadata"]> = {}): V1Pod => ({
  metadata: {
    name: "mcp-x-0123456789",
    labels: { "mcp-orchestrator.io/instance-id": "i-1" },
    annotations: { "mcp-orchestrator.io/spec-hash": "h1" },
    ...extra,
  },
  status,
});

describe("pod status", () => {
  it("running, with restarts and the last exit code", () => {
    const o = podToObserved(
      pod({
        phase: "Running",
        containerStatuses: [
          {
            name: "mcp",
            image: "i",
            imageID: "",
            ready: true,
            restartCount: 2,
            state: { running: { startedAt: new Date("2026-01-01T00:00:00Z") } },
            lastState: { terminated: { exitCode: 137, reason: "OOMKilled" } },
          },
        ],
      }),
    );
    expect(o).toMatchObject({
      status: "running",
      restartCount: 2,
      lastExitCode: 137,
      specHash: "h1",
      instanceId: "i-1",
    });
  });

  it("an image that cannot be pulled is failed, with the reason", () => {
    const o = podToObserved(
      pod({
        phase: "Pending",
        containerStatuses: [
          {
            name: "mcp",
            image: "nope:1",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "nope:1"' } },
          },
        ],
      }),
    );
    expect(o).toMatchObject({
      status: "failed",
      reason: expect.stringContaining('ImagePullBackOff): Back-off pulling image "nope:1"'),
    });
  });

  it("crash-looping says how it last exited", () => {
    const o = podToObserved(
      pod({
        phase: "Running",
        containerStatuses: [
          {
            name: "mcp",
            image: "i",
            imageID: "",
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: "CrashLoopBackOff" } },
            lastState: { terminated: { exitCode: 1, reason: "Error" } },
          },
        ],
      }),
    );
    expect(o).toMatchObject({
      status: "crash_looping",
      restartCount: 4,
      lastExitCode: 1,
      reason: expect.stringContaining("exited with code 1 (Error)"),
    });
  });

  it("unschedulable pods are starting with the scheduler's message; terminating pods and strangers are ignored", () => {
    expect(
      podToObserved(
        pod({
          phase: "Pending",
          conditions: [{ type: "PodScheduled", status: "False", message: "0/3 nodes are available" }],
        }),
      ),
    ).toMatchObject({ status: "starting", reason: "not scheduled yet: 0/3 nodes are available" });
    expect(podToObserved(pod({ phase: "Running" }, { deletionTimestamp: new Date() }))).toBeNull();
    expect(podToObserved({ metadata: { name: "other" } })).toBeNull();
  });
});
