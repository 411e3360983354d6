import type { ArtifactStore } from "@tablesnap/artifacts";
import type { DeliveryContext } from "@tablesnap/bus";
import type { TargetConfig } from "@tablesnap/config";
import { type Manifest, messageOf, serializeManifest } from "@tablesnap/core";
import {
  buildManifest,
  connect,
  inSnapshot,
  openSnapshot,
  planRun,
  runPool,
} from "@tablesnap/dump";
import type { RunWithTriggers } from "@tablesnap/state";
import {
  attemptStores,
  controlPrefix,
  filesPrefix,
  MANIFEST_FILE,
  PLAN_FILE,
  readJson,
  resultPath,
  type TableResult,
  writeJson,
  writeText,
} from "./control.ts";
import { WorkerError } from "./errors.ts";
import { backupOptions, type DumpSettings, recordPlan, runPlan } from "./holder-plan.ts";
import { emit, failRun, removeObjects } from "./outcome.ts";
import type { WorkerDeps } from "./types.ts";

/** Table statuses after which a table's result is in the bucket. */
const FINISHED: ReadonlySet<string> = new Set(["done", "skipped", "failed"]);

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
 * Holds one run's snapshot: opens it, plans the tables and publishes one `job` each, dumps the
 * schema, roles, archives and sequences itself, waits (keeping the message alive) until every
 * table's result is in, writes `manifest.json` and hands the run to the publisher.
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
        { cause: e, retriable: Reflect.get(e as object, "retriable") === true },
      );
    });
    await dumpRun(d, run, target, ctx);
  } catch (e) {
    const retriable = Reflect.get(e as object, "retriable") === true;
    if (retriable && ctx.deliveryCount < ctx.maxDeliver && !d.signal.aborted) throw e;
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
  const started = Date.now();
  const createdAt = new Date().toISOString();
  const { sql, target } = await connect(source.databaseUrl, (d.holderJobs ?? 2) + 1, d.signal);
  const alive = setInterval(() => ctx.working(), 1000);
  try {
    const snap = await openSnapshot(sql, { include: [], exclude: [] });
    try {
      const s = snap.info;
      const { files, control } = attemptStores(d.bucket, run.id, s.id);
      const o = backupOptions(run, source, files, d, d.signal);
      const p = await planRun(o, sql, target, s);
      const plan = runPlan(s, p, d.maxFileBytes);
      await writeJson(control, PLAN_FILE, plan);
      const claimed = await d.state.startAttempt(run.id, { snapshotId: s.id, backupId: run.id });
      if (!claimed.changed) return giveUp(d, run.id, s.id, `the run is ${claimed.run.status}`);
      await recordPlan(d.state, run.id, s);
      for (const t of plan.tables) {
        await d.bus.publish("job", {
          run_id: run.id,
          target: run.target,
          table: { schema: t.info.schema, name: t.info.name },
          snapshot_id: s.id,
          // A new attempt after a holder died, so the dedupe window does not swallow it.
          attempt: ctx.deliveryCount,
        });
      }
      log?.info({ runId: run.id, snapshot: s.id, tables: plan.tables.length }, "run planned");
      const own = p.jobs.filter((j) => j.table === undefined).map((j) => j.run);
      await runPool(own, o.jobs, d.signal);
      const stillThere = () => inSnapshot(sql, s.id, async () => {});
      const tables = plan.tables.map((t) => t.info);
      const results = await waitForTables(d, run.id, s.id, control, tables, stillThere);
      if (results === null) return giveUp(d, run.id, s.id, "the run ended or was started again");
      const failed = plan.tables.flatMap((t) => {
        const r = results.get(resultPath(t.info));
        return r?.status === "failed" ? [`${t.info.qname}: ${r.reason}`] : [];
      });
      if (failed.length > 0) {
        return failRun(d, run, `tables failed: ${failed.join("; ")}`);
      }
      for (const t of plan.tables) {
        const r = results.get(resultPath(t.info));
        if (r?.status === "done") p.results.data.set(t.info.oid, { rows: r.rows, files: r.files });
        if (r?.status === "skipped") {
          p.results.skipped.push({ object: `table ${t.info.qname}`, reason: r.reason });
        }
      }
      const manifest: Manifest = buildManifest(o, s, p.tables, p.tableFolder, p.results, {
        createdAt,
        started,
      });
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
  await removeObjects(d, runId, controlPrefix(runId, snapshotId));
}

/**
 * Every table's result by path, or null when the run ended or another attempt took it over. The
 * state database says which tables are finished; a finished table's result is then read by its
 * key, once. The bucket is never listed: an S3 server that does not encode listed keys (stock
 * s3rver) would hand back `%5c` as `\`, and a table's result would never be found.
 */
async function waitForTables(
  d: HolderDeps,
  runId: string,
  snapshotId: string,
  control: ArtifactStore,
  tables: readonly { schema: string; name: string }[],
  snapshotAlive: () => Promise<void>,
): Promise<Map<string, TableResult> | null> {
  const seen = new Map<string, TableResult>();
  /** The round a finished table's result was last looked for in vain. */
  const missed = new Map<string, number>();
  const pollMs = d.pollMs ?? 250;
  for (let round = 0; ; round++) {
    const r = await d.state.getRun(runId);
    if (r?.status !== "running" || r.snapshotId !== snapshotId) return null;
    const finished = new Set(
      r.tables.filter((t) => FINISHED.has(t.status)).map((t) => resultPath(t)),
    );
    for (const t of tables) {
      const path = resultPath(t);
      if (seen.has(path) || !finished.has(path)) continue;
      // Absent while the state says finished: a status an older attempt left; wait for ours,
      // looking again every 8 rounds, not every round.
      const last = missed.get(path);
      if (last !== undefined && round - last < 8) continue;
      const result = await readJson<TableResult>(control, path);
      if (result) seen.set(path, result);
      else missed.set(path, round);
    }
    if (tables.every((t) => seen.has(resultPath(t)))) return seen;
    if (round % 8 === 0) {
      // Its connection gone (a restart, a proxy), the snapshot is too: the table jobs would be
      // dropped and never finish, so start the run again in a new snapshot.
      await snapshotAlive().catch((e: unknown) => {
        throw new WorkerError("snapshot_lost", "the run's snapshot is gone", {
          cause: e,
          retriable: true,
        });
      });
    }
    if (d.signal.aborted) throw new WorkerError("stopped", "worker stopping", { retriable: true });
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
