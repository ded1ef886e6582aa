import { getReplicaBus, type ReplicaBus } from "@/lib/replica-bus";
import { learnEndedSessions } from "./ended-sessions";
import { dropChangedEntries } from "./hot-path-cache";

const KEY = Symbol.for("mcp-orchestrator.gateway.listening");
type ListeningGlobal = typeof globalThis & { [KEY]?: WeakSet<ReplicaBus> };

/**
 * The gateway's caches hear the changes that credentials, OAuth, teams, the registry and the
 * gateway's own management announce on the replica bus, on this replica or any other. Called
 * once at start (lib/startup.ts), before the first request, so no entry is ever cached by a
 * replica that is not listening; calling it again on the same bus does nothing.
 */
export function listenForChanges(bus: ReplicaBus = getReplicaBus()): void {
  const g = globalThis as ListeningGlobal;
  g[KEY] ??= new WeakSet();
  if (g[KEY].has(bus)) return;
  g[KEY].add(bus);
  bus.subscribe((message) => {
    dropChangedEntries(message);
    learnEndedSessions(message);
  });
}
