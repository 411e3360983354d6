import type { DeliveryContext, Message, Termination } from "@tablesnap/bus";
import { messageOf } from "@tablesnap/core";
import { connect, dumpTableData, type Sql } from "@tablesnap/dump";
import {
  attemptStores,
  filesPrefix,
  PLAN_FILE,
  type RunPlan,
  readJson,
  resultPath,
  type TableResult,
  writeJson,
} from "./control.ts";
import { hasSqlState, isSnapshotGone, WorkerError } from "./errors.ts";
import { emit, removeObjects } from "./outcome.ts";
import { silentLogger, type WorkerDeps } from "./types.ts";

export type JobMessage = Message<"job">;

export interface TableWorkerDeps extends WorkerDeps {
  readonly signal: AbortSignal;
  /** Connections per source database: one per table copied at once. */
  readonly pools: SourcePools;
  /** Called before each copy starts; tests throw from it to inject a failure. */
  readonly beforeTable?:
    | ((job: JobMessage, ctx: DeliveryContext) => void | Promise<void>)
    | undefined;
}

/** One postgres.js pool per source database, opened on first use. */
export class SourcePools {
  readonly #pools = new Map<string, Promise<Sql>>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get(url: string): Promise<Sql> {
    let p = this.#pools.get(url);
    if (!p) {
      p = connect(url, this.#max).then((c) => c.sql);
      p.catch(() => this.#pools.delete(url));
      this.#pools.set(url, p);
    }
    return p;
  }

  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(all.map(async (p) => (await p).end({ timeout: 5 })));
  }
}

const plans = new Map<string, RunPlan>();

/**
 * Copies one table inside its run's snapshot into the run's folder, records the result (for the
 * holder's manifest) and the table's status, and says so on the bus. A job whose result is
 * stored already (a redelivery) does nothing again; a job of an older attempt is dropped.
 */
export async function copyTableJob(d: TableWorkerDeps, job: JobMessage, ctx: DeliveryContext) {
  const snapshotId = job.snapshot_id;
  if (!snapshotId) throw new WorkerError("job_without_snapshot", "table job without snapshot_id");
  const run = await d.state.getRun(job.run_id);
  if (run?.status !== "running" || run.snapshotId !== snapshotId) return; // Stale.
  const target = d.targets.find((t) => t.name === run.target);
  if (!target) throw new WorkerError("unknown_target", `no target named "${run.target}"`);
  const { files, control } = attemptStores(d.bucket, run.id, snapshotId);
  const plan = plans.get(snapshotId) ?? (await readJson<RunPlan>(control, PLAN_FILE));
  if (!plan) throw new WorkerError("no_plan", `run ${run.id} has no plan for ${snapshotId}`);
  plans.set(snapshotId, plan);
  if (plans.size > 64) plans.delete(plans.keys().next().value as string);
  const entry = plan.tables.find(
    (t) => t.info.schema === job.table.schema && t.info.name === job.table.name,
  );
  if (!entry) throw new WorkerError("not_planned", `${job.table.name} is not in the run's plan`);
  const ref = { schema: job.table.schema, name: job.table.name };
  const path = resultPath(ref);
  const prior = await readJson<TableResult>(control, path);
  if (prior && prior.status !== "failed") return record(d, run, ref, prior, 0);

  await d.state.markTable(run.id, ref, { status: "running" });
  const started = Date.now();
  const alive = setInterval(() => ctx.working(), 1000);
  let result: TableResult;
  try {
    await d.beforeTable?.(job, ctx);
    const r = await dumpTableData({
      sql: await d.pools.get(target.databaseUrl),
      snapshotId,
      table: entry.info,
      store: files,
      folder: entry.folder,
      maxBytes: plan.maxBytes,
      trailer: entry.trailer,
      signal: d.signal,
    });
    result = { status: "done", rows: r.rows, files: r.files };
  } catch (e) {
    if (isSnapshotGone(e)) {
      // The holder ended; if it died, its redelivered run re-plans with new jobs.
      (d.logger ?? silentLogger).warn({ runId: run.id, table: ref }, "snapshot gone: job dropped");
      return;
    }
    if (!hasSqlState(e, "42501")) {
      throw new WorkerError("copy_failed", `copy of ${entry.info.qname}: ${messageOf(e)}`, {
        cause: e,
        retriable: true,
      });
    }
    result = { status: "skipped", reason: (e as Error).message };
  } finally {
    clearInterval(alive);
  }
  const now = await d.state.getRun(run.id);
  if (now?.snapshotId !== snapshotId || (now.status !== "running" && now.status !== "publishing")) {
    // Its attempt was given up while this copy ran: nothing will collect or remove the files.
    await removeObjects(d, run.id, filesPrefix(run.id, snapshotId) + entry.folder);
    return;
  }
  await writeJson(control, path, result);
  await record(d, run, ref, result, Date.now() - started);
}

async function record(
  d: WorkerDeps,
  run: { id: string; target: string },
  ref: { schema: string; name: string },
  r: TableResult,
  durationMs: number,
): Promise<void> {
  if (r.status === "done") {
    const bytes = r.files.reduce((a, f) => a + f.bytes, 0);
    await d.state.markTable(run.id, ref, { status: "done", rows: r.rows, bytes, durationMs });
    await emit(d, run, "table.done", { table: ref, rows: r.rows, bytes, duration_ms: durationMs });
  } else {
    await d.state.markTable(run.id, ref, { status: r.status, error: r.reason });
    await emit(d, run, `table.${r.status}`, { table: ref, reason: r.reason });
  }
}

/** A job given up (max deliveries, or an error no retry helps): the holder must hear of it. */
export async function tableJobGivenUp(d: TableWorkerDeps, t: Termination): Promise<void> {
  const job = t.message as JobMessage | undefined;
  if (!job?.snapshot_id) return;
  const run = await d.state.getRun(job.run_id);
  if (!run || run.snapshotId !== job.snapshot_id) return;
  const ref = { schema: job.table.schema, name: job.table.name };
  const reason = `${t.reason}${t.error ? `: ${messageOf(t.error)}` : ""}`;
  const { control } = attemptStores(d.bucket, run.id, job.snapshot_id);
  await writeJson(control, resultPath(ref), { status: "failed", reason } satisfies TableResult);
  await d.state.markTable(run.id, ref, { status: "failed", error: reason });
  await emit(d, run, "table.failed", { table: ref, reason });
}
