import { type Check, probe } from "@tablesnap/http";
import type { StatusOptions } from "./app.ts";
import { failingSince } from "./views.ts";

/** How each target's backups stand, by its last ended runs (for `/readyz`'s detail). */
export type TargetHealth = "ok" | "failing" | "no_backup_yet";

/**
 * Each target's state from its last ended runs: `failing` when the newest failure is newer than
 * the last good backup. Detail only: a failing target never makes the service unready (the
 * others must go on). The reason is in the authenticated API, not on this open endpoint.
 */
async function targetHealth(options: Pick<StatusOptions, "state" | "config">) {
  const out: Record<string, { state: TargetHealth; since?: string }> = {};
  for (const t of options.config.targets) {
    const s = await options.state.targetSummary(t.name);
    const since = failingSince(s);
    if (since !== null) out[t.name] = { state: "failing", since: since.toISOString() };
    else out[t.name] = { state: s.lastSuccess?.finishedAt ? "ok" : "no_backup_yet" };
  }
  return out;
}

/**
 * NATS, the state database and the object store, each checked at once with a 2 s limit, and
 * every target's health as detail.
 */
export async function readiness(
  options: Pick<StatusOptions, "state" | "bus" | "store" | "config">,
) {
  const { bus, store, state } = options;
  const skipped: Check = { ok: true, detail: "not used by this service" };
  const [nats, stateDb, objectStore] = await Promise.all([
    bus ? probe(() => bus.health()) : skipped,
    probe(async () => {
      await state.ping();
      return { ok: true, detail: "reachable" };
    }),
    store
      ? probe(async () => {
          await store.ping();
          return { ok: true, detail: "reachable" };
        })
      : skipped,
  ]);
  const ok = nats.ok && stateDb.ok && objectStore.ok;
  const targets = stateDb.ok ? await targetHealth(options).catch(() => ({})) : {};
  return {
    status: ok ? ("ready" as const) : ("not_ready" as const),
    checks: { nats, state: stateDb, object_store: objectStore },
    targets,
  };
}
