import { decodeCursor, encodeCursor, isAfter, pageSize } from "../cursor.ts";
import { ACTIVE, runTotals } from "../rules.ts";
import {
  GOOD_STATUSES,
  type ListRunsOptions,
  type Run,
  type RunDetail,
  type RunPage,
  type RunProgress,
  type RunStatus,
  TABLE_STATUSES,
  type TableJob,
  type TableStatus,
  type TargetSummary,
  type TriggerRecord,
} from "../types.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const newestFirst = (a: Run, b: Run) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The memory adapter's data and the status API's queries over it. */
export class MemoryReads {
  protected readonly runs = new Map<string, Mutable<Run>>();
  protected readonly triggers = new Map<string, TriggerRecord>();
  protected readonly tables = new Map<string, Mutable<TableJob>>();
  protected readonly slots = new Map<string, Date>();

  protected find(test: (r: Run) => boolean): Mutable<Run> | undefined {
    for (const r of this.runs.values()) if (test(r)) return r;
    return undefined;
  }

  async listTargets(): Promise<string[]> {
    return [...new Set([...this.runs.values()].map((r) => r.target))].sort();
  }

  async targetSummary(target: string): Promise<TargetSummary> {
    const latest = (statuses: readonly RunStatus[]): Run | null => {
      const matching = [...this.runs.values()].filter(
        (r) => r.target === target && statuses.includes(r.status),
      );
      const end = (r: Run) => r.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY;
      matching.sort((a, b) => end(b) - end(a) || newestFirst(a, b));
      const first = matching[0];
      return first === undefined ? null : { ...first };
    };
    return {
      target,
      lastSuccess: latest([...GOOD_STATUSES]),
      lastFailure: latest(["failed"]),
      lastPartial: latest(["partial"]),
      running: latest(ACTIVE),
      pending: latest(["pending"]),
    };
  }

  async listRuns(target: string, options: ListRunsOptions = {}): Promise<RunPage> {
    const limit = pageSize(options.limit);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const rows = [...this.runs.values()]
      .filter((r) => r.target === target)
      .filter((r) => options.status === undefined || r.status === options.status)
      .filter((r) => after === undefined || isAfter(r, after))
      .sort(newestFirst);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      runs: page.map((r) => ({
        ...r,
        triggers: this.triggersOf(r.id),
        totals: runTotals(this.tablesOf(r.id)),
      })),
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
    };
  }

  async getRun(runId: string): Promise<RunDetail | null> {
    const run = this.runs.get(runId);
    if (run === undefined) return null;
    const tables = this.tablesOf(runId).sort(
      (a, b) => cmp(a.schema, b.schema) || cmp(a.name, b.name),
    );
    return { ...run, triggers: this.triggersOf(runId), tables };
  }

  async getTrigger(id: string): Promise<TriggerRecord | null> {
    const t = this.triggers.get(id);
    return t === undefined ? null : { ...t };
  }

  async runProgress(runId: string): Promise<RunProgress> {
    const counts = Object.fromEntries(TABLE_STATUSES.map((s) => [s, 0])) as Record<
      TableStatus,
      number
    >;
    const jobs = this.tablesOf(runId);
    for (const j of jobs) counts[j.status] += 1;
    return { ...counts, total: jobs.length };
  }

  private tablesOf(runId: string): TableJob[] {
    return [...this.tables.values()].filter((j) => j.runId === runId).map((j) => ({ ...j }));
  }

  private triggersOf(runId: string): TriggerRecord[] {
    return [...this.triggers.values()]
      .filter((t) => t.runId === runId)
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || cmp(a.id, b.id));
  }
}

/** Byte order of UTF-8 text for ASCII; PostgreSQL's "C"-like order for the cases tests use. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
