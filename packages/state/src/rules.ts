import type { RunStatus, TableStatus, TableUpdate } from "./types.ts";

/** Statuses of a run in progress: at most one per target. */
export const ACTIVE: readonly RunStatus[] = ["running", "publishing"];
/** Statuses a run can still leave. */
export const OPEN: readonly RunStatus[] = ["pending", "running", "publishing"];
export const FINAL_TABLE: readonly TableStatus[] = ["done", "skipped"];

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
  current: { status: TableStatus; attempts: number },
  update: TableUpdate,
): {
  status: TableStatus;
  attempts: number;
  rows?: number;
  bytes?: number;
  durationMs?: number;
  error: string | null;
} | null {
  if (FINAL_TABLE.includes(current.status)) return null;
  return {
    status: update.status,
    attempts: current.attempts + (update.status === "running" ? 1 : 0),
    ...(update.rows === undefined ? {} : { rows: update.rows }),
    ...(update.bytes === undefined ? {} : { bytes: update.bytes }),
    ...(update.durationMs === undefined ? {} : { durationMs: update.durationMs }),
    error: update.error ?? null,
  };
}
