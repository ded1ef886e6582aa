import { Badge } from "@/components/ui/badge";
import type { ConnectionState } from "@/lib/registry/connection-state";

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  switch (state.kind) {
    case "connected":
      return <Badge tone="success">connected</Badge>;
    case "connected_via_team":
      return <Badge tone="info">{`connected through team ${state.teamName}`}</Badge>;
    case "needs_reauth":
      return <Badge tone="warning">needs re-authentication</Badge>;
    default:
      return <Badge>not connected</Badge>;
  }
}
