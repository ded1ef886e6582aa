import type { V1Pod } from "@kubernetes/client-node";
import { LABELS } from "./names";
import { SPEC_HASH_ANNOTATION } from "./pod-manifest";
import type { ObservedInstance } from "./types";

const IMAGE_FAILURES = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"]);
const CONFIG_FAILURES = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);

/** Pure: what a pod says about its instance, in the same terms as the process runtime. */
export function podToObserved(pod: V1Pod): ObservedInstance | null {
  const name = pod.metadata?.name;
  const instanceId = pod.metadata?.labels?.[LABELS.instance];
  if (!name || !instanceId || pod.metadata?.deletionTimestamp) return null;
  const container = pod.status?.containerStatuses?.[0];
  const terminated = container?.lastState?.terminated ?? container?.state?.terminated;
  const base = {
    instanceId,
    name,
    specHash: pod.metadata?.annotations?.[SPEC_HASH_ANNOTATION] ?? null,
    lastExitCode: terminated?.exitCode ?? null,
    restartCount: container?.restartCount ?? 0,
    startedAt: container?.state?.running?.startedAt ? new Date(container.state.running.startedAt) : null,
  };
  const waiting = container?.state?.waiting;
  if (container?.state?.running) return { ...base, status: "running", reason: null };
  if (waiting?.reason && IMAGE_FAILURES.has(waiting.reason)) {
    return {
      ...base,
      status: "failed",
      reason: `the image cannot be pulled (${waiting.reason}): ${waiting.message ?? ""}`.trim(),
    };
  }
  if (waiting?.reason && CONFIG_FAILURES.has(waiting.reason)) {
    return { ...base, status: "failed", reason: `${waiting.reason}: ${waiting.message ?? ""}`.trim() };
  }
  if (waiting?.reason === "CrashLoopBackOff" || container?.state?.terminated) {
    const exit = terminated
      ? `exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ""}`
      : "crashed";
    return { ...base, status: "crash_looping", reason: `${exit}; Kubernetes restarts it with backoff` };
  }
  const unschedulable = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (unschedulable)
    return {
      ...base,
      status: "starting",
      reason: `not scheduled yet: ${unschedulable.message ?? unschedulable.reason}`,
    };
  return { ...base, status: "starting", reason: waiting?.reason ?? pod.status?.phase ?? null };
}
