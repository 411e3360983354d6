import type { DeliveryContext, Message, Termination } from "@tablesnap/bus";
import { messageOf } from "@tablesnap/core";
import { connect, localCopier, type Sql, type TableOutcome } from "@tablesnap/dump";
import {
  emit,
  filesPrefix,
  isSnapshotGone,
  removeObjects,
  silentLogger,
  type WorkerDeps,
  WorkerError,
} from "@tablesnap/runs";

export type JobMessage = Message<"job">;

export interface TableWorkerDeps extends WorkerDeps {
  readonly signal: AbortSignal;
  /** Connections per source database: one per table copied at once. */
  readonly pools: SourcePools;
  /** A copy that moves no rows for this long fails, naming the table (default 5 min). */
  readonly tableStallMs?: number | undefined;
  /** Called before each copy starts; tests throw from it to inject a failure. */
  readonly beforeTable?:
    | ((job: JobMessage, ctx: DeliveryContext) => void | Promise<void>)
    | undefined;
}

/** One postgres.js pool per source database, opened on first use. */
export class SourcePools {
  readonly #pools = new Map<string, Promise<Sql>>();
  /** Connections per source database. */
  readonly size: number;

  constructor(size: number) {
    this.size = size;
  }

  get(url: string): Promise<Sql> {
    let p = this.#pools.get(url);
    if (!p) {
      p = connect(url, this.size).then((c) => c.sql);
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

/**
 * Copies one table inside its run's snapshot into the run's folder, as the job's task says, then
 * records the result (its files, for the holder's manifest) and status in the state database and
 * says so on the bus. A job whose table is finished already for its attempt (a redelivery) does
 * nothing again; a job of an older attempt is dropped.
 */
export async function copyTableJob(d: TableWorkerDeps, job: JobMessage, ctx: DeliveryContext) {
  const snapshotId = job.snapshot_id;
  const task = job.task;
  if (!snapshotId || !task) {
    throw new WorkerError("job_without_task", "table job without snapshot_id or task");
  }
  const run = await d.state.getRun(job.run_id);
  if (run?.status !== "running" || run.snapshotId !== snapshotId) return; // Stale.
  const target = d.targets.find((t) => t.name === run.target);
  if (!target) throw new WorkerError("unknown_target", `no target named "${run.target}"`);
  const ref = { schema: job.table.schema, name: job.table.name };
  const prior = run.tables.find((t) => t.schema === ref.schema && t.name === ref.name);
  if (prior?.snapshotId === snapshotId && (prior.status === "done" || prior.status === "skipped")) {
    return;
  }
  const files = d.bucket.forPrefix(filesPrefix(run.id, snapshotId));
  await d.state.markTable(run.id, ref, { status: "running", snapshotId });
  const started = Date.now();
  const alive = setInterval(() => ctx.working(), 1000);
  let result: TableOutcome;
  try {
    await d.beforeTable?.(job, ctx);
    // The CLI's copier: the same copy, and a table the server refuses to let us read skipped.
    const sql = await d.pools.get(target.databaseUrl);
    const copier = localCopier({
      ...{ sql, store: files, stallMs: d.tableStallMs },
      parallel: d.pools.size - 1,
    });
    result = await copier.copy(task, snapshotId, d.signal);
  } catch (e) {
    if (isSnapshotGone(e)) {
      // The holder ended; if it died, its redelivered run re-plans with new jobs.
      (d.logger ?? silentLogger).warn({ runId: run.id, table: ref }, "snapshot gone: job dropped");
      return;
    }
    throw new WorkerError("copy_failed", `copy of ${task.table.qname}: ${messageOf(e)}`, {
      cause: e,
      retriable: true,
    });
  } finally {
    clearInterval(alive);
  }
  const now = await d.state.getRun(run.id);
  if (now?.snapshotId !== snapshotId || (now.status !== "running" && now.status !== "publishing")) {
    // Its attempt was given up while this copy ran: nothing will collect or remove the files.
    await removeObjects(d, run.id, filesPrefix(run.id, snapshotId) + task.folder);
    return;
  }
  await record(d, run, ref, snapshotId, result, Date.now() - started);
}

async function record(
  d: WorkerDeps,
  run: { id: string; target: string },
  ref: { schema: string; name: string },
  snapshotId: string,
  r: TableOutcome,
  durationMs: number,
): Promise<void> {
  if (r.status === "done") {
    const bytes = r.files.reduce((a, f) => a + f.bytes, 0);
    await d.state.markTable(run.id, ref, {
      ...{ status: "done", rows: r.rows, bytes, durationMs, snapshotId, files: r.files },
    });
    await emit(d, run, "table.done", { table: ref, rows: r.rows, bytes, duration_ms: durationMs });
  } else {
    await d.state.markTable(run.id, ref, { status: r.status, error: r.reason, snapshotId });
    await emit(d, run, `table.${r.status}`, { table: ref, reason: r.reason });
  }
}

/** A job given up (max deliveries, or an error no retry helps): the holder must hear of it. */
export async function tableJobGivenUp(d: TableWorkerDeps, t: Termination): Promise<void> {
  const job = t.message as JobMessage | undefined;
  if (!job?.snapshot_id) return;
  const run = await d.state.getRun(job.run_id);
  if (!run || run.snapshotId !== job.snapshot_id) return;
  const reason = `${t.reason}${t.error ? `: ${messageOf(t.error)}` : ""}`;
  await record(d, run, job.table, job.snapshot_id, { status: "failed", reason }, 0);
}
