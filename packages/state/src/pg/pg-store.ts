import type { Manifest } from "@tablesnap/core";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type {
  Attempt,
  ClaimOptions,
  FinalRunStatus,
  FinishFields,
  ListRunsOptions,
  NewTrigger,
  RecordOptions,
  StateStore,
  TableRef,
  TableUpdate,
} from "../types.ts";
import { guarded } from "./guard.ts";
import * as intake from "./intake.ts";
import * as life from "./lifecycle.ts";
import * as q from "./queries.ts";

/**
 * The state store on PostgreSQL (drizzle-orm over postgres.js). Per-target changes — a trigger
 * joining or creating the pending run, a run being claimed — run under a transaction advisory
 * lock on the target; unique partial indexes back up "one pending, one in progress per target".
 * Run `migrate(url)` before opening it.
 */
export class PgStateStore implements StateStore {
  readonly #client: postgres.Sql;
  readonly #db: q.Db;

  /** Takes over `client`: drizzle changes its date parsers, and `close()` ends it. */
  constructor(client: postgres.Sql) {
    this.#client = client;
    this.#db = drizzle({ client });
  }

  static open(url: string, options: { max?: number } = {}): PgStateStore {
    return new PgStateStore(postgres(url, { max: options.max ?? 10, onnotice: () => {} }));
  }

  recordTrigger(trigger: NewTrigger, options: RecordOptions) {
    return guarded("record trigger", () => intake.recordTrigger(this.#db, trigger, options));
  }
  claimDueRun(options: ClaimOptions) {
    return guarded("claim run", () => intake.claimDueRun(this.#db, options));
  }
  recordSlot(target: string, schedule: string, slot: Date) {
    return guarded("record slot", () => intake.recordSlot(this.#db, target, schedule, slot));
  }
  planTables(runId: string, tables: readonly TableRef[]) {
    return guarded("plan tables", () => life.planTables(this.#db, runId, tables));
  }
  markTable(runId: string, table: TableRef, update: TableUpdate) {
    return guarded("mark table", () => life.markTable(this.#db, runId, table, update));
  }
  startAttempt(runId: string, attempt: Attempt) {
    return guarded("start attempt", () => life.startAttempt(this.#db, runId, attempt));
  }
  recordManifest(runId: string, snapshotId: string, manifest: Manifest) {
    return guarded("record manifest", () =>
      life.recordManifest(this.#db, runId, snapshotId, manifest),
    );
  }
  setPublishing(runId: string) {
    return guarded("set publishing", () => life.setPublishing(this.#db, runId));
  }
  finishRun(runId: string, status: FinalRunStatus, fields: FinishFields = {}) {
    return guarded("finish run", () => life.finishRun(this.#db, runId, status, fields));
  }
  expireRuns(now: Date = new Date()) {
    return guarded("expire runs", () => life.expireRuns(this.#db, now));
  }
  runProgress(runId: string) {
    return guarded("read progress", () => q.runProgress(this.#db, runId));
  }
  listTargets() {
    return guarded("list targets", () => q.listTargets(this.#db));
  }
  targetSummary(target: string) {
    return guarded("summarize target", () => q.targetSummary(this.#db, target));
  }
  listRuns(target: string, options?: ListRunsOptions) {
    return guarded("list runs", () => q.listRuns(this.#db, target, options));
  }
  getRun(runId: string) {
    return guarded("read run", () => q.getRun(this.#db, runId));
  }
  getTrigger(id: string) {
    return guarded("read trigger", () => q.getTrigger(this.#db, id));
  }
  async ping(): Promise<void> {
    await guarded("ping", () => this.#client`select 1`);
  }
  async close(): Promise<void> {
    await this.#client.end({ timeout: 5 });
  }
}
