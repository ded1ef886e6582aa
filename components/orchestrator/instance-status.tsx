import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { InstanceStatus } from "@/db/schema";

const TONE: Record<InstanceStatus, BadgeTone> = {
  pending: "neutral",
  starting: "info",
  running: "success",
  crash_looping: "warning",
  failed: "danger",
  stopped: "neutral",
};

export function InstanceStatusBadge({ status }: { status: InstanceStatus }) {
  return <Badge tone={TONE[status]}>{status.replace("_", "-")}</Badge>;
}

/** "3 min", "2 h", "5 d": how long ago, roughly. */
export function age(since: Date | null, now = new Date()): string {
  if (!since) return "—";
  const s = Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
