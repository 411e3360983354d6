import type { FileEntry, Manifest } from "@tablesnap/core";

export const RUN_STATUSES = [
  "pending",
  "running",
  "publishing",
  "succeeded",
  "unchanged",
  "partial",
  "failed",
] as const;
/**
 * `pending` waits for its quiet period; `running`/`publishing` are in progress; the rest are
 * final. `unchanged`: a good backup whose content equalled the latest's, so nothing was
 * committed; its commit is the one it matched.
 */
export type RunStatus = (typeof RUN_STATUSES)[number];
export type FinalRunStatus = "succeeded" | "unchanged" | "partial" | "failed";
/** Final statuses of a good, complete backup: what freshness counts. */
export const GOOD_STATUSES = ["succeeded", "unchanged"] as const;

export const TABLE_STATUSES = ["pending", "running", "done", "failed", "skipped"] as const;
export type TableStatus = (typeof TABLE_STATUSES)[number];

export type TriggerEvent = "push" | "pr" | "schedule" | "manual";

/** A trigger as the coordinator hands it over. `id` is the delivery id, Slack trigger id, cron slot or API request id. */
export interface NewTrigger {
  readonly id: string;
  readonly target: string;
  /** `owner-repo` for GitHub, `slack`, `cron`, `api`. */
  readonly source: string;
  readonly event: TriggerEvent;
  /** Short commit sha, schedule name, user or token name. */
  readonly ref: string;
  readonly actor?: string | undefined;
  readonly note?: string | undefined;
  /** Slack's `response_url`, where the outcome is reported. A credential: never show it. */
  readonly responseUrl?: string | undefined;
  readonly receivedAt: Date;
}

export interface TriggerRecord {
  readonly id: string;
  readonly target: string;
  readonly source: string;
  readonly event: TriggerEvent;
  readonly ref: string;
  readonly actor: string | null;
  readonly note: string | null;
  readonly responseUrl: string | null;
  readonly receivedAt: Date;
  readonly runId: string | null;
}

export interface RecordOptions {
  /** The quiet period: the run starts no earlier than this long after its last trigger. */
  readonly debounceSeconds: number;
  /** A burst never postpones its run by more than this after the run was created. */
  readonly maxDelaySeconds?: number | undefined;
  readonly now?: Date | undefined;
}

export interface RecordResult {
  /** False when a trigger with this id was recorded before (a redelivery): nothing changed. */
  readonly isNew: boolean;
  /** The run the trigger belongs to (for a redelivery: the run it joined the first time). */
  readonly runId: string | null;
  /** True when this trigger created the pending run. */
  readonly runCreated: boolean;
}

export interface Run {
  readonly id: string;
  readonly target: string;
  readonly status: RunStatus;
  readonly createdAt: Date;
  /** End of the quiet period: the run may start from then on. */
  readonly notBefore: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** A running run still in progress after this ends `failed` (`expireRuns`). */
  readonly deadline: Date | null;
  readonly error: string | null;
  readonly snapshotId: string | null;
  readonly backupId: string | null;
  readonly manifest: Manifest | null;
  readonly commitSha: string | null;
  readonly commitUrl: string | null;
  /** Write requests the publisher made (GitHub API calls or pushes). */
  readonly writes: number | null;
}

export interface TableRef {
  readonly schema: string;
  readonly name: string;
}

export interface TableJob extends TableRef {
  readonly runId: string;
  readonly status: TableStatus;
  readonly rows: number | null;
  readonly bytes: number | null;
  readonly durationMs: number | null;
  /** How often the table was started (a redelivered job counts again). */
  readonly attempts: number;
  readonly error: string | null;
  /** The dump attempt (snapshot) this status belongs to; null before one claimed it. */
  readonly snapshotId: string | null;
  /** What a `done` copy wrote: the run's manifest is built from these. */
  readonly files: readonly FileEntry[] | null;
}

export interface TableUpdate {
  readonly status: TableStatus;
  readonly rows?: number | undefined;
  readonly bytes?: number | undefined;
  readonly durationMs?: number | undefined;
  readonly error?: string | undefined;
  /**
   * The attempt the update is for. A finished table (`done`, `skipped`) takes updates only from
   * a newer attempt: a run started again in a new snapshot copies every table again.
   */
  readonly snapshotId?: string | undefined;
  readonly files?: readonly FileEntry[] | undefined;
}

export type RunProgress = Readonly<Record<TableStatus, number>> & { readonly total: number };

export interface RunWithTriggers extends Run {
  readonly triggers: readonly TriggerRecord[];
}

export interface RunDetail extends RunWithTriggers {
  readonly tables: readonly TableJob[];
}

export interface ClaimOptions {
  /** Only this target's runs; every target when omitted. */
  readonly target?: string | undefined;
  /** How long the run may take: its deadline is `now` plus this. */
  readonly timeLimitSeconds: number;
  readonly now?: Date | undefined;
}

export interface RunFields {
  readonly snapshotId?: string | undefined;
  readonly backupId?: string | undefined;
  readonly manifest?: Manifest | undefined;
}

export interface Attempt {
  readonly snapshotId: string;
  readonly backupId: string;
}

export interface FinishFields extends RunFields {
  readonly error?: string | undefined;
  readonly commitSha?: string | undefined;
  readonly commitUrl?: string | undefined;
  readonly writes?: number | undefined;
  readonly now?: Date | undefined;
}

export interface Transition {
  /** False when the run was not in a state this move starts from (already done, say): nothing changed. */
  readonly changed: boolean;
  readonly run: Run;
}

export interface TargetSummary {
  readonly target: string;
  readonly lastSuccess: Run | null;
  readonly lastFailure: Run | null;
  /** The last run that ended `partial`. */
  readonly lastPartial: Run | null;
  readonly running: Run | null;
  readonly pending: Run | null;
}

export interface ListRunsOptions {
  readonly limit?: number | undefined;
  /** `next_cursor` of the previous page. */
  readonly cursor?: string | undefined;
  readonly status?: RunStatus | undefined;
}

/** What a run's tables add up to, for a list of runs: the dashboard's history and progress. */
export interface RunTotals {
  readonly tables: number;
  /** Tables `done` or `skipped`. */
  readonly done: number;
  readonly failed: number;
  readonly rows: number;
  readonly bytes: number;
}

export interface ListedRun extends RunWithTriggers {
  readonly totals: RunTotals;
}

export interface RunPage {
  readonly runs: readonly ListedRun[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

export interface SlotResult {
  /** The slot recorded before this one; null for the schedule's first. */
  readonly previous: Date | null;
  /** False when this slot (or a later one) was recorded already. */
  readonly advanced: boolean;
}

/** tablesnap's own state: triggers, runs and their table jobs, schedules. */
export interface StateStore {
  /** Records a trigger once by id and attaches it to its target's pending run (created if needed). */
  recordTrigger(trigger: NewTrigger, options: RecordOptions): Promise<RecordResult>;
  /** Starts the oldest due pending run of a target with nothing in progress; null when none. */
  claimDueRun(options: ClaimOptions): Promise<Run | null>;
  /** Adds a run's table jobs (`pending`); tables already planned are left as they are. */
  planTables(runId: string, tables: readonly TableRef[]): Promise<void>;
  /** Moves a table job; `running` counts an attempt. `done` and `skipped` are final. */
  markTable(runId: string, table: TableRef, update: TableUpdate): Promise<TableJob>;
  runProgress(runId: string): Promise<RunProgress>;
  /**
   * Makes `snapshotId` the run's current dump attempt (a holder that died is replaced by one with
   * a new snapshot), only while the run is `running`. Not changed: the attempt should give up.
   */
  startAttempt(runId: string, attempt: Attempt): Promise<Transition>;
  /**
   * Stores the manifest of the run's current attempt, while it is `running` or `publishing`. Not
   * changed: `snapshotId` is no longer the current attempt, or the run ended.
   */
  recordManifest(runId: string, snapshotId: string, manifest: Manifest): Promise<Transition>;
  /** running → publishing. */
  setPublishing(runId: string): Promise<Transition>;
  /** Ends a run that is not final yet; its unfinished tables become `skipped`. */
  finishRun(runId: string, status: FinalRunStatus, fields?: FinishFields): Promise<Transition>;
  /** Fails every running or publishing run past its deadline and returns them. */
  expireRuns(now?: Date): Promise<Run[]>;
  /** Advances a schedule's last slot when `slot` is later than it. */
  recordSlot(target: string, schedule: string, slot: Date): Promise<SlotResult>;
  listTargets(): Promise<string[]>;
  targetSummary(target: string): Promise<TargetSummary>;
  /** Newest first, by (created_at, id). */
  listRuns(target: string, options?: ListRunsOptions): Promise<RunPage>;
  getRun(runId: string): Promise<RunDetail | null>;
  getTrigger(id: string): Promise<TriggerRecord | null>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
