import { writeText } from "@tablesnap/artifacts";
import type { DeliveryContext } from "@tablesnap/bus";
import type { TargetConfig } from "@tablesnap/config";
import { type Manifest, messageOf, serializeManifest } from "@tablesnap/core";
import {
  ConnectionError,
  connect,
  inSnapshot,
  openSnapshot,
  runEngine,
  type StorageObjectRow,
  TablesFailedError,
} from "@tablesnap/dump";
import {
  emit,
  failRun,
  filesPrefix,
  isRetriable,
  MANIFEST_FILE,
  removeObjects,
  type WorkerDeps,
  WorkerError,
} from "@tablesnap/runs";
import type { RunWithTriggers } from "@tablesnap/state";
import { backupOptions, type DumpSettings, recordPlan } from "./holder-plan.ts";
import { readStorageFiles } from "./holder-storage.ts";
import { AttemptEndedError, JetStreamCopier } from "./jetstream-copier.ts";

export interface HolderDeps extends WorkerDeps, DumpSettings {
  /** How often the holder looks at the tables' progress. Default 250 ms. */
  readonly pollMs?: number | undefined;
  readonly signal: AbortSignal;
  /**
   * Checks, before anything is dumped, that the target's backup repository can be opened (it
   * exists, the credentials see it); throws what is wrong. Absent: no check.
   */
  readonly checkRepo?: ((r: TargetConfig["repository"]) => Promise<void>) | undefined;
}

/** A `dump` message: the coordinator claimed the run. */
export interface DumpMessage {
  readonly run_id: string;
  readonly target: string;
}

/**
 * Holds one run's snapshot: opens it, claims the run's attempt, and runs the dump engine with
 * the JetStream copier (each table a `job` for any dump worker; the schema, roles, archives and
 * sequences dumped here), keeping the message alive; then writes `manifest.json`, records it and
 * hands the run to the publisher.
 * A redelivered message (the first holder died) starts the run again in a new snapshot.
 */
export async function holdRun(d: HolderDeps, msg: DumpMessage, ctx: DeliveryContext) {
  const run = await d.state.getRun(msg.run_id);
  if (!run) throw new WorkerError("run_not_found", `run ${msg.run_id} is not in the state store`);
  if (run.status !== "running") return; // Handed on already, or ended.
  const target = d.targets.find((t) => t.name === run.target);
  if (!target) {
    return failRun(d, run, `no target named "${run.target}" in this worker's configuration`);
  }
  try {
    await d.checkRepo?.(target.repository).catch((e: unknown) => {
      throw new WorkerError(
        "repository_unusable",
        `the backup repository cannot be used, so nothing was dumped: ${messageOf(e)}`,
        { cause: e, retriable: isRetriable(e) },
      );
    });
    const st = target.storage;
    if (st && !st.keys)
      throw new WorkerError(
        "storage_keys_missing",
        `target ${target.name} reads Storage, but ${st.accessKeyEnv} and ${st.secretKeyEnv} are not set in this dump worker's environment; nothing was dumped`,
      );
    await dumpRun(d, run, target, ctx);
  } catch (e) {
    // A database that does not answer is tried twice, not for every delivery: each try waits
    // out the connect bound, and the target's next trigger tries again anyway.
    const tries = e instanceof ConnectionError ? Math.min(2, ctx.maxDeliver) : ctx.maxDeliver;
    if (isRetriable(e) && ctx.deliveryCount < tries && !d.signal.aborted) throw e;
    if (d.signal.aborted) throw e; // Stopping: the next holder starts it again.
    await failRun(d, run, `dump failed: ${messageOf(e)}`);
  }
}

async function dumpRun(
  d: HolderDeps,
  run: RunWithTriggers,
  source: TargetConfig,
  ctx: DeliveryContext,
): Promise<void> {
  const log = d.logger;
  const { sql, target } = await connect(source.databaseUrl, (d.holderJobs ?? 2) + 1, d.signal);
  const alive = setInterval(() => ctx.working(), 1000);
  try {
    const snap = await openSnapshot(sql, { include: [], exclude: [] });
    try {
      const s = snap.info;
      const files = d.bucket.forPrefix(filesPrefix(run.id, s.id));
      let rows: StorageObjectRow[] | undefined;
      const o = {
        ...backupOptions(run, source, files, d, d.signal),
        ...(source.storage
          ? {
              onStorageRows: (r: typeof rows) => {
                rows = r;
              },
            }
          : {}),
      };
      const claimed = await d.state.startAttempt(run.id, { snapshotId: s.id, backupId: run.id });
      if (!claimed.changed) return giveUp(d, run.id, s.id, `the run is ${claimed.run.status}`);
      await recordPlan(d.state, run.id, s);
      log?.info({ runId: run.id, snapshot: s.id, tables: s.tables.length }, "run planned");
      const copier = new JetStreamCopier({
        ...{ bus: d.bus, state: d.state, run, attempt: ctx.deliveryCount, pollMs: d.pollMs },
        snapshotAlive: () => inSnapshot(sql, s.id, async () => {}),
      });
      let manifest: Manifest;
      try {
        manifest = await runEngine({ o, sql, target, snapshot: s, copier });
      } catch (e) {
        if (e instanceof AttemptEndedError) return giveUp(d, run.id, s.id, e.message);
        if (e instanceof TablesFailedError) return failRun(d, run, e.message);
        throw e;
      }
      // The files are read after the snapshot ends: its locks on the user's database are not
      // held while the buckets are read.
      await snap.close();
      if (source.storage)
        manifest = await readStorageFiles(
          d,
          { ...source, storage: source.storage },
          files,
          manifest,
          rows,
          run.deadline,
        );
      await writeText(files, MANIFEST_FILE, serializeManifest(manifest));
      const recorded = await d.state.recordManifest(run.id, s.id, manifest);
      if (!recorded.changed) {
        const r = recorded.run;
        // Published already (a publisher retrying an older attempt's message found this one).
        if (r.snapshotId === s.id && r.status !== "failed") return;
        return giveUp(d, run.id, s.id, `the run is ${r.status}, its attempt ${r.snapshotId}`);
      }
      await d.bus.publish("run", { run_id: run.id, target: run.target }, { msgId: run.id });
      await emit(d, run, "run.dumped", {
        tables: manifest.totals.tables,
        rows: manifest.totals.rows,
      });
      log?.info({ runId: run.id, rows: manifest.totals.rows }, "run dumped");
    } finally {
      await snap.close().catch(() => {});
    }
  } finally {
    clearInterval(alive);
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}

/**
 * An attempt that is no longer the run's own (the run ended, or a redelivered message started it
 * again while this holder was alive but slow) stops and removes what it wrote.
 */
async function giveUp(d: HolderDeps, runId: string, snapshotId: string, why: string) {
  d.logger?.warn({ runId, snapshot: snapshotId, why }, "dump attempt given up");
  await removeObjects(d, runId, filesPrefix(runId, snapshotId));
}
