import type { TargetConfig } from "@tablesnap/config";
import type { Trigger } from "@tablesnap/core";
import type { BackupOptions, SnapshotInfo } from "@tablesnap/dump";
import type { RunWithTriggers, StateStore } from "@tablesnap/state";

/** The triggers as the manifest records them (it needs at least one). */
export function manifestTriggers(run: RunWithTriggers): Trigger[] {
  const out: Trigger[] = run.triggers.map((t) => ({
    source: t.source,
    event: t.event,
    ref: t.ref,
    id: t.id,
    at: t.receivedAt.toISOString(),
    ...(t.actor === null ? {} : { actor: t.actor }),
    ...(t.note === null ? {} : { note: t.note }),
  }));
  return out.length > 0 ? out : [{ source: "api", event: "manual", ref: run.id }];
}

export interface DumpSettings {
  /** Folder holding pg_dump and pg_dumpall; PATH when not given. */
  readonly pgBin?: string | undefined;
  readonly maxFileBytes?: number | undefined;
  /** Also write a pg_dump custom archive per schema. Default true. */
  readonly customDump?: boolean | undefined;
  /** The holder's own pg_dump jobs at once (schema, roles, archives). Default 2. */
  readonly holderJobs?: number | undefined;
}

export function backupOptions(
  run: RunWithTriggers,
  target: Pick<TargetConfig, "databaseUrl" | "rolePasswords" | "encryption">,
  files: BackupOptions["store"],
  s: DumpSettings,
  signal: AbortSignal,
): BackupOptions {
  return {
    databaseUrl: target.databaseUrl,
    rolePasswords: target.rolePasswords,
    encryption: target.encryption,
    store: files,
    // The run id: stable across holder restarts, so publishing stays idempotent.
    backupId: run.id,
    triggers: manifestTriggers(run),
    jobs: s.holderJobs ?? 2,
    includeSchemas: [],
    excludeSchemas: [],
    customDump: s.customDump ?? true,
    pgBin: s.pgBin,
    maxFileBytes: s.maxFileBytes,
    signal,
  };
}

/**
 * Records the run's tables in the state store for the attempt in snapshot `s`. A re-planned run
 * (its first holder died) starts every table again: each status and result is the attempt's own.
 */
export async function recordPlan(state: StateStore, runId: string, s: SnapshotInfo) {
  const ref = (t: { schema: string; name: string }) => ({ schema: t.schema, name: t.name });
  await state.planTables(runId, s.tables.map(ref));
  const unreadable = new Map(s.unreadable.map((u) => [u.table.oid, u.reason]));
  const snapshotId = s.id;
  for (const t of s.tables) {
    const reason = unreadable.get(t.oid);
    if (reason !== undefined) {
      await state.markTable(runId, ref(t), { status: "skipped", error: reason, snapshotId });
    } else if (t.kind === "partitioned") {
      // No rows of its own: its partitions hold them.
      await state.markTable(runId, ref(t), {
        ...{ status: "done", rows: 0, bytes: 0, durationMs: 0, files: [], snapshotId },
      });
    } else {
      await state.markTable(runId, ref(t), { status: "pending", snapshotId });
    }
  }
}
