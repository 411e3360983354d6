import type { Manifest } from "@tablesnap/core";
import { RunNotFoundError, TableJobNotFoundError } from "../errors.ts";
import { newRunId } from "../ids.ts";
import {
  ACTIVE,
  addSeconds,
  expiryMessage,
  OPEN,
  quietUntil,
  skippedMessage,
  tableChange,
} from "../rules.ts";
import type {
  Attempt,
  ClaimOptions,
  FinalRunStatus,
  FinishFields,
  NewTrigger,
  RecordOptions,
  RecordResult,
  Run,
  SlotResult,
  StateStore,
  TableJob,
  TableRef,
  TableUpdate,
  Transition,
  TriggerRecord,
} from "../types.ts";
import { MemoryReads } from "./reads.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const tableKey = (runId: string, t: TableRef) => JSON.stringify([runId, t.schema, t.name]);
const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The state store in memory, for tests and the one-process `serve` without a state database.
 * Every operation runs to completion before the next starts (one event loop), which gives the
 * same per-target guarantees the PostgreSQL adapter gets from its locks.
 */
export class MemoryStateStore extends MemoryReads implements StateStore {
  async recordTrigger(t: NewTrigger, o: RecordOptions): Promise<RecordResult> {
    const old = this.triggers.get(t.id);
    if (old !== undefined) return { isNew: false, runId: old.runId, runCreated: false };
    const now = o.now ?? new Date();
    let pending = this.find((r) => r.target === t.target && r.status === "pending");
    const runCreated = pending === undefined;
    if (pending === undefined) {
      pending = blankRun(newRunId(now), t.target, now);
      pending.notBefore = quietUntil(now, null, now, o.debounceSeconds, o.maxDelaySeconds);
      this.runs.set(pending.id, pending);
    } else {
      const { createdAt, notBefore } = pending;
      pending.notBefore = quietUntil(
        createdAt,
        notBefore,
        now,
        o.debounceSeconds,
        o.maxDelaySeconds,
      );
    }
    const record: TriggerRecord = {
      ...{ id: t.id, target: t.target, source: t.source, event: t.event, ref: t.ref },
      ...{ actor: t.actor ?? null, note: t.note ?? null, responseUrl: t.responseUrl ?? null },
      ...{ receivedAt: t.receivedAt, runId: pending.id },
    };
    this.triggers.set(t.id, record);
    return { isNew: true, runId: pending.id, runCreated };
  }

  async claimDueRun(o: ClaimOptions): Promise<Run | null> {
    const now = o.now ?? new Date();
    const due = [...this.runs.values()]
      .filter((r) => r.status === "pending" && r.notBefore <= now)
      .filter((r) => o.target === undefined || r.target === o.target)
      .filter(
        (r) => this.find((a) => a.target === r.target && ACTIVE.includes(a.status)) === undefined,
      )
      .sort((a, b) => a.notBefore.getTime() - b.notBefore.getTime());
    const run = due[0];
    if (run === undefined) return null;
    Object.assign(run, {
      status: "running",
      startedAt: now,
      deadline: addSeconds(now, o.timeLimitSeconds),
    });
    return { ...run };
  }

  async recordSlot(target: string, schedule: string, slot: Date): Promise<SlotResult> {
    const key = JSON.stringify([target, schedule]);
    const previous = this.slots.get(key) ?? null;
    if (previous !== null && slot <= previous) return { previous, advanced: false };
    this.slots.set(key, slot);
    return { previous, advanced: true };
  }

  async planTables(runId: string, tables: readonly TableRef[]): Promise<void> {
    this.mustGet(runId);
    for (const t of tables) {
      const key = tableKey(runId, t);
      if (this.tables.has(key)) continue;
      this.tables.set(key, {
        ...{ runId, schema: t.schema, name: t.name, status: "pending", attempts: 0 },
        ...{ rows: null, bytes: null, durationMs: null, error: null },
        ...{ snapshotId: null, files: null },
      });
    }
  }

  async markTable(runId: string, t: TableRef, u: TableUpdate): Promise<TableJob> {
    const job = this.tables.get(tableKey(runId, t));
    if (job === undefined) throw new TableJobNotFoundError(runId, t.schema, t.name);
    const change = tableChange(job, u);
    if (change !== null) Object.assign(job, change);
    return { ...job };
  }

  async startAttempt(runId: string, a: Attempt): Promise<Transition> {
    const run = this.mustGet(runId);
    if (run.status !== "running") return { changed: false, run: { ...run } };
    Object.assign(run, { snapshotId: a.snapshotId, backupId: a.backupId });
    return { changed: true, run: { ...run } };
  }

  async recordManifest(runId: string, snapshotId: string, manifest: Manifest): Promise<Transition> {
    const run = this.mustGet(runId);
    if (!ACTIVE.includes(run.status) || run.snapshotId !== snapshotId) {
      return { changed: false, run: { ...run } };
    }
    run.manifest = manifest;
    return { changed: true, run: { ...run } };
  }

  async setPublishing(runId: string): Promise<Transition> {
    const run = this.mustGet(runId);
    if (run.status !== "running") return { changed: false, run: { ...run } };
    run.status = "publishing";
    return { changed: true, run: { ...run } };
  }

  async finishRun(
    runId: string,
    status: FinalRunStatus,
    f: FinishFields = {},
  ): Promise<Transition> {
    const run = this.mustGet(runId);
    if (!OPEN.includes(run.status)) return { changed: false, run: { ...run } };
    const { now = new Date(), ...rest } = f;
    Object.assign(run, defined(rest), { status, finishedAt: now });
    this.skipUnfinished(runId, status);
    return { changed: true, run: { ...run } };
  }

  async expireRuns(now: Date = new Date()): Promise<Run[]> {
    const expired: Run[] = [];
    for (const run of this.runs.values()) {
      if (!ACTIVE.includes(run.status) || run.deadline === null || run.deadline > now) continue;
      Object.assign(run, { status: "failed", finishedAt: now, error: expiryMessage(run.deadline) });
      this.skipUnfinished(run.id, "failed");
      expired.push({ ...run });
    }
    return expired;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  private skipUnfinished(runId: string, status: FinalRunStatus): void {
    for (const job of this.tables.values()) {
      if (job.runId !== runId || (job.status !== "pending" && job.status !== "running")) continue;
      Object.assign(job, { status: "skipped", error: skippedMessage(status) });
    }
  }

  private mustGet(runId: string): Mutable<Run> {
    const run = this.runs.get(runId);
    if (run === undefined) throw new RunNotFoundError(runId);
    return run;
  }
}

function blankRun(id: string, target: string, now: Date): Mutable<Run> {
  return {
    ...{ id, target, status: "pending", createdAt: now, notBefore: now },
    ...{ startedAt: null, finishedAt: null, deadline: null, error: null, snapshotId: null },
    ...{ backupId: null, manifest: null, commitSha: null, commitUrl: null, writes: null },
  };
}
