import type { InstanceSpec, ObservedInstance } from "./types";

export interface ReconcilePlan {
  /** Missing, or running with an outdated spec: create or replace. */
  ensure: InstanceSpec[];
  /** Running but no longer wanted (deleted, revoked, stopped, or not ours any more). */
  remove: string[];
}

/** Pure: what to do so that what runs matches what the database wants. */
export function planReconcile(desired: InstanceSpec[], actual: ObservedInstance[]): ReconcilePlan {
  const running = new Map(actual.map((a) => [a.name, a]));
  const wanted = new Set(desired.map((d) => d.name));
  return {
    ensure: desired.filter((d) => running.get(d.name)?.specHash !== d.specHash),
    remove: actual.filter((a) => !wanted.has(a.name)).map((a) => a.name),
  };
}
