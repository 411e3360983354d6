import type { Bus } from "@tablesnap/bus";
import { tableFolder } from "@tablesnap/core";
import type { TableCopier, TableOutcome, TableTask } from "@tablesnap/dump";
import { WorkerError } from "@tablesnap/runs";
import type { StateStore, TableJob } from "@tablesnap/state";

/** The run's attempt is no longer its own (the run ended, or another attempt took it over). */
export class AttemptEndedError extends WorkerError {
  constructor(why: string) {
    super("attempt_ended", why);
  }
}

export interface JetStreamCopierDeps {
  readonly bus: Bus;
  readonly state: StateStore;
  readonly run: { readonly id: string; readonly target: string };
  /** The `dump` message's delivery count: a new attempt's jobs are not deduplicated away. */
  readonly attempt: number;
  /** Throws when the snapshot's transaction is gone (checked every 8 looks). */
  readonly snapshotAlive: () => Promise<void>;
  /** How often the state database is read. Default 250 ms. */
  readonly pollMs?: number | undefined;
}

interface Waiter {
  readonly resolve: (o: TableOutcome) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * The services' `TableCopier`: each table becomes one `job` message carrying its whole task,
 * copied by whichever dump worker takes it; how it ended is read from the state database (the
 * one record of a table's status and files), one query a look for every table of the run.
 */
export class JetStreamCopier implements TableCopier {
  readonly local = false;
  readonly #d: JetStreamCopierDeps;
  readonly #waiting = new Map<string, Waiter>();
  #watching = false;

  constructor(d: JetStreamCopierDeps) {
    this.#d = d;
  }

  async copy(task: TableTask, snapshotId: string, signal: AbortSignal): Promise<TableOutcome> {
    const key = tableFolder(task.table.schema, task.table.name);
    const outcome = new Promise<TableOutcome>((resolve, reject) => {
      this.#waiting.set(key, { resolve, reject });
    });
    this.#watch(snapshotId, signal);
    const { id, target } = this.#d.run;
    const { recipients, ...plan } = task;
    try {
      await this.#d.bus.publish("job", {
        run_id: id,
        target,
        table: { schema: task.table.schema, name: task.table.name },
        snapshot_id: snapshotId,
        attempt: this.#d.attempt,
        task: {
          ...plan,
          table: {
            ...task.table,
            columns: [...task.table.columns],
            primaryKey: [...task.table.primaryKey],
          },
          ...(recipients ? { recipients: [...recipients] } : {}),
        },
      });
    } catch (e) {
      this.#waiting.delete(key);
      throw e;
    }
    return outcome;
  }

  #watch(snapshotId: string, signal: AbortSignal): void {
    if (this.#watching) return;
    this.#watching = true;
    this.#loop(snapshotId, signal)
      .catch((e: unknown) => {
        for (const w of this.#waiting.values()) w.reject(e);
        this.#waiting.clear();
      })
      .finally(() => {
        this.#watching = false;
      });
  }

  async #loop(snapshotId: string, signal: AbortSignal): Promise<void> {
    const pollMs = this.#d.pollMs ?? 250;
    for (let round = 1; this.#waiting.size > 0; round++) {
      await sleep(pollMs, signal);
      const r = await this.#d.state.getRun(this.#d.run.id);
      if (r?.status !== "running") {
        throw new AttemptEndedError(`the run is ${r?.status ?? "gone"}`);
      }
      if (r.snapshotId !== snapshotId) {
        throw new AttemptEndedError(`the run was started again (attempt ${r.snapshotId})`);
      }
      for (const t of r.tables) {
        const key = tableFolder(t.schema, t.name);
        const w = t.snapshotId === snapshotId ? this.#waiting.get(key) : undefined;
        const out = w && outcomeOf(t);
        if (!w || !out) continue;
        this.#waiting.delete(key);
        w.resolve(out);
      }
      if (round % 8 === 0) {
        // Its connection gone (a restart, a proxy), the snapshot is too: the table jobs would be
        // dropped and never finish, so start the run again in a new snapshot.
        await this.#d.snapshotAlive().catch((e: unknown) => {
          throw new WorkerError("snapshot_lost", "the run's snapshot is gone", {
            cause: e,
            retriable: true,
          });
        });
      }
    }
  }
}

function outcomeOf(t: TableJob): TableOutcome | null {
  switch (t.status) {
    case "done":
      return { status: "done", rows: t.rows ?? 0, files: t.files ?? [] };
    case "skipped":
    case "failed":
      return { status: t.status, reason: t.error ?? "" };
    default:
      return null;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stopped = () => {
      clearTimeout(timer);
      reject(new WorkerError("stopped", "worker stopping", { retriable: true }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stopped);
      resolve();
    }, ms);
    if (signal.aborted) stopped();
    else signal.addEventListener("abort", stopped, { once: true });
  });
}
