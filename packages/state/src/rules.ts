import type { FileEntry } from "@tablesnap/core";
import type { RunStatus, RunTotals, TableJob, TableStatus, TableUpdate } from "./types.ts";

/** Statuses of a run in progress: at most one per target. */
export const ACTIVE: readonly RunStatus[] = ["running", "publishing"];
/** Statuses a run can still leave. */
export const OPEN: readonly RunStatus[] = ["pending", "running", "publishing"];
export const FINAL_TABLE: readonly TableStatus[] = ["done", "skipped"];

/** What a run's tables add up to: the one count the API, the dashboard and the memory store use. */
export function runTotals(jobs: readonly Pick<TableJob, "status" | "rows" | "bytes">[]): RunTotals {
  return {
    tables: jobs.length,
    done: jobs.filter((j) => FINAL_TABLE.includes(j.status)).length,
    failed: jobs.filter((j) => j.status === "failed").length,
    rows: jobs.reduce((n, j) => n + (j.rows ?? 0), 0),
    bytes: jobs.reduce((n, j) => n + (j.bytes ?? 0), 0),
  };
}

export function addSeconds(d: Date, seconds: number): Date {
  return new Date(d.getTime() + Math.round(seconds * 1000));
}

/** End of the quiet period after a trigger at `now`, capped by `maxDelaySeconds` after creation. */
export function quietUntil(
  createdAt: Date,
  current: Date | null,
  now: Date,
  debounceSeconds: number,
  maxDelaySeconds: number | undefined,
): Date {
  let t = addSeconds(now, debounceSeconds);
  if (maxDelaySeconds !== undefined) {
    const cap = addSeconds(createdAt, maxDelaySeconds);
    if (cap < t) t = cap;
  }
  return current !== null && current > t ? current : t;
}

export function expiryMessage(deadline: Date): string {
  return `time limit exceeded: still in progress at its deadline ${deadline.toISOString()}`;
}

export function skippedMessage(status: RunStatus): string {
  return `run ended ${status} before this table finished`;
}

/** The fields a table job takes on for `update`; `null` leaves the job as it is. */
export function tableChange(
  current: { status: TableStatus; attempts: number; snapshotId: string | null },
  update: TableUpdate,
): {
  status: TableStatus;
  attempts: number;
  rows: number | null;
  bytes: number | null;
  durationMs: number | null;
  error: string | null;
  snapshotId: string | null;
  files: FileEntry[] | null;
} | null {
  const newAttempt = update.snapshotId !== undefined && update.snapshotId !== current.snapshotId;
  if (FINAL_TABLE.includes(current.status) && !newAttempt) return null;
  return {
    status: update.status,
    attempts: current.attempts + (update.status === "running" ? 1 : 0),
    rows: update.rows ?? null,
    bytes: update.bytes ?? null,
    durationMs: update.durationMs ?? null,
    error: update.error ?? null,
    snapshotId: update.snapshotId ?? current.snapshotId,
    files: update.files ? [...update.files] : null,
  };
}
