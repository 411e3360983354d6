import type { TargetConfig } from "@tablesnap/config";
import {
  type ListedRun,
  type Run,
  type RunDetail,
  type RunWithTriggers,
  runTotals,
  type TargetSummary,
  type TriggerRecord,
} from "@tablesnap/state";

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** A trigger as the API shows it: never its Slack `response_url` (a credential). */
export function triggerView(t: TriggerRecord) {
  return {
    id: t.id,
    target: t.target,
    source: t.source,
    event: t.event,
    ref: t.ref,
    actor: t.actor,
    note: t.note,
    received_at: t.receivedAt.toISOString(),
  };
}

/** How long a run took, start to end, in seconds; null while it has not both. */
export function durationSeconds(run: Pick<Run, "startedAt" | "finishedAt">): number | null {
  return run.startedAt === null || run.finishedAt === null
    ? null
    : (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000;
}

export function runView(run: Run) {
  const duration = durationSeconds(run);
  return {
    id: run.id,
    target: run.target,
    status: run.status,
    created_at: run.createdAt.toISOString(),
    not_before: run.notBefore.toISOString(),
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    deadline: iso(run.deadline),
    duration_seconds: duration,
    error: run.error,
    backup_id: run.backupId,
    commit: run.commitSha === null ? null : { sha: run.commitSha, url: run.commitUrl },
    writes: run.writes,
  };
}

export function runWithTriggersView(run: RunWithTriggers) {
  return { ...runView(run), triggers: run.triggers.map(triggerView) };
}

/** A run of a list, with what its tables add up to (tables done, rows, bytes). */
export function listedRunView(run: ListedRun) {
  return { ...runWithTriggersView(run), totals: run.totals };
}

export function runDetailView(run: RunDetail) {
  return {
    ...runWithTriggersView(run),
    tables: run.tables.map((t) => ({
      schema: t.schema,
      name: t.name,
      status: t.status,
      rows: t.rows,
      bytes: t.bytes,
      duration_ms: t.durationMs,
      attempts: t.attempts,
      error: t.error,
    })),
    totals: runTotals(run.tables),
  };
}

/**
 * A target at a glance: `failing` when its newest ended run failed, else `late` when the last
 * good backup is older than the freshness limit (or there is none), else `fresh`.
 */
export type TargetState = "fresh" | "late" | "failing";

export function targetState(target: TargetConfig, s: TargetSummary, now: Date): TargetState {
  if (failingSince(s) !== null) return "failing";
  return freshness(target, s, now).fresh ? "fresh" : "late";
}

/** When the newest failure is newer than the last good backup: since when the target fails. */
export function failingSince(s: TargetSummary): Date | null {
  const good = s.lastSuccess?.finishedAt ?? null;
  const bad = s.lastFailure?.finishedAt ?? null;
  return bad !== null && (good === null || bad > good) ? bad : null;
}

/** How old the last good backup is against the target's limit. */
export function freshness(target: TargetConfig, summary: TargetSummary, now: Date) {
  const last = summary.lastSuccess;
  const at = last?.finishedAt ?? null;
  const age = at === null ? null : Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  return {
    target: target.name,
    fresh: age !== null && age <= target.freshnessLimitSeconds,
    age_seconds: age,
    limit_seconds: target.freshnessLimitSeconds,
    last_success_at: iso(at),
    last_success_run_id: last?.id ?? null,
  };
}

export function summaryView(target: TargetConfig, s: TargetSummary, now: Date) {
  const view = (r: Run | null) => (r === null ? null : runView(r));
  return {
    target: target.name,
    last_success: view(s.lastSuccess),
    last_failure: view(s.lastFailure),
    last_partial: view(s.lastPartial),
    running: view(s.running),
    pending: view(s.pending),
    freshness: freshness(target, s, now),
  };
}
