import type { Config, TargetConfig } from "@tablesnap/config";
import { formatBytes } from "@tablesnap/core";
import {
  type ListedRun,
  type RunDetail,
  runTotals,
  type StateStore,
  type TargetSummary,
} from "@tablesnap/state";
import { freshness, type TargetState, targetState } from "../views.ts";

/** A run in progress as the dashboard shows it: tables done of total, rows, bytes. */
export interface Progress {
  readonly id: string;
  readonly status: string;
  readonly tables: number;
  readonly done: number;
  readonly failed: number;
  readonly rows: number;
  readonly bytes: number;
  readonly text: string;
}

/** One target's live line: what the overview shows and the events stream sends. */
export interface TargetLine {
  readonly target: string;
  readonly state: TargetState;
  readonly ageSeconds: number | null;
  readonly limitSeconds: number;
  readonly lastSuccessRunId: string | null;
  readonly lastFailure: { readonly id: string; readonly error: string | null } | null;
  readonly running: Progress | null;
  readonly pending: { readonly id: string; readonly notBefore: string } | null;
  /** The newest run and its status: a page showing history refreshes when it changes. */
  readonly latest: string | null;
}

export function progressOf(run: RunDetail): Progress {
  const { tables, done, failed, rows, bytes } = runTotals(run.tables);
  const counted =
    tables === 0
      ? "planning tables"
      : `tables ${done}/${tables}${failed > 0 ? ` (${failed} failed)` : ""}`;
  return {
    ...{ id: run.id, status: run.status, tables, done, failed, rows, bytes },
    text: `${run.status}: ${counted}, ${rows} rows, ${formatBytes(bytes)}`,
  };
}

async function lineOf(
  state: StateStore,
  target: TargetConfig,
  summary: TargetSummary,
  now: Date,
): Promise<TargetLine> {
  const f = freshness(target, summary, now);
  const [running, newest] = await Promise.all([
    summary.running === null ? null : state.getRun(summary.running.id),
    state.listRuns(target.name, { limit: 1 }),
  ]);
  const top = newest.runs[0];
  return {
    target: target.name,
    state: targetState(target, summary, now),
    ageSeconds: f.age_seconds,
    limitSeconds: f.limit_seconds,
    lastSuccessRunId: f.last_success_run_id,
    lastFailure:
      summary.lastFailure === null
        ? null
        : { id: summary.lastFailure.id, error: summary.lastFailure.error },
    running: running === null ? null : progressOf(running),
    pending:
      summary.pending === null
        ? null
        : { id: summary.pending.id, notBefore: summary.pending.notBefore.toISOString() },
    latest: top === undefined ? null : `${top.id}:${top.status}`,
  };
}

/** Every target's live line, in the configuration's order. */
export async function boardLines(
  config: Config,
  state: StateStore,
  now: Date,
): Promise<TargetLine[]> {
  return Promise.all(
    config.targets.map(async (t) => lineOf(state, t, await state.targetSummary(t.name), now)),
  );
}

/** A target's newest runs, at most `limit`, for its charts and table. */
export async function historyOf(
  state: StateStore,
  target: string,
  limit: number,
): Promise<ListedRun[]> {
  return [...(await state.listRuns(target, { limit })).runs];
}
