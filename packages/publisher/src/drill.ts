import type { DeliveryContext, Message } from "@tablesnap/bus";
import type { TargetConfig } from "@tablesnap/config";
import { messageOf } from "@tablesnap/core";
import { type Identities, NO_IDENTITIES } from "@tablesnap/encryption";
import { backupIn, RepoTreeReader } from "@tablesnap/publish";
import { type DrillReport, runDrill } from "@tablesnap/restore";
import { emit, type OpenRepo, silentLogger, type WorkerDeps } from "@tablesnap/runs";
import { bounded, tellFailed } from "./task.ts";

export interface DrillDeps extends WorkerDeps {
  readonly openRepo: OpenRepo;
  /** Keys for encrypted backups (TABLESNAP_AGE_IDENTITY or TABLESNAP_AGE_IDENTITY_FILE). */
  readonly identities?: Identities | undefined;
}

/** What a scheduled drill found: the drill's report, or why it could not run. */
export type DrillOutcome =
  | { readonly ok: boolean; readonly report: DrillReport }
  | { readonly ok: false; readonly error: string };

/**
 * Runs a target's scheduled restore drill: its latest backup, read from the backup repository,
 * restored into a scratch database on the target's drill server, read back and compared with the
 * manifest. The outcome is logged, sent as a `drill.passed` / `drill.failed` event, and a failure
 * goes to the Slack webhook. A drill that fails is not retried: the next slot drills again.
 * Bounded by the target's time limit; the message is kept alive while it runs.
 */
export async function drillTarget(
  d: DrillDeps,
  msg: Message<"maintenance">,
  ctx: DeliveryContext,
  stop: AbortSignal = new AbortController().signal,
): Promise<DrillOutcome> {
  const log = d.logger ?? silentLogger;
  const target = d.targets.find((t) => t.name === msg.target);
  if (!target?.drill) {
    log.warn({ drill: msg.id, target: msg.target }, "drill for a target without a drill setting");
    return { ok: false, error: `target ${msg.target} has no drill setting` };
  }
  log.info({ drill: msg.id, target: target.name }, "drill started");
  let outcome: DrillOutcome;
  try {
    // A stopping publisher ends it too (the scratch database is dropped).
    const report = await bounded(target.timeLimitSeconds, ctx, stop, (signal) =>
      drill(d, target, signal),
    );
    outcome = { ok: report.ok, report };
  } catch (e) {
    outcome = { ok: false, error: messageOf(e) };
  }
  await tell(d, msg, outcome);
  return outcome;
}

async function drill(d: DrillDeps, target: TargetConfig, signal: AbortSignal) {
  const settings = target.drill;
  if (!settings) throw new Error(`target ${target.name} has no drill setting`);
  if (!settings.scratchUrl)
    throw new Error(
      `environment variable ${settings.scratchUrlEnv} (the drill's scratch server) is not set for the publisher`,
    );
  const opened = await d.openRepo(target.repository);
  try {
    const where = `the backup repository of ${target.name}`;
    const found = await backupIn(opened.repo, where, opened.branch, "latest");
    const reader = new RepoTreeReader(opened.repo, found.commit, found.folder, found.folder);
    return await runDrill({
      reader,
      identities: d.identities ?? NO_IDENTITIES,
      scratchUrl: settings.scratchUrl,
      scratchTemplate: settings.scratchTemplate,
      ...{ schemas: [], tables: [], jobs: 2, roles: false, keep: false },
      signal,
    });
  } finally {
    await opened.close();
  }
}

/** The problems a person reads: each table that differs, or the restore's error. */
function problems(o: DrillOutcome): string[] {
  if (!("report" in o)) return [o.error];
  const r = o.report;
  const tables = r.tables.filter((t) => !t.ok).map((t) => `${t.table}: ${t.problem ?? "differs"}`);
  return r.error ? [`restore failed: ${r.error}`, ...tables] : tables;
}

async function tell(d: DrillDeps, msg: Message<"maintenance">, o: DrillOutcome): Promise<void> {
  const report = "report" in o ? o.report : undefined;
  const data = {
    ...(report
      ? { backup: report.backupId, tables: report.tables.length, ms: report.durationMs }
      : {}),
    problems: problems(o),
  };
  if (!o.ok) {
    const detail = data.problems.slice(0, 5).join("; ");
    await tellFailed(d, msg, { what: "restore drill", logLine: "drill failed", data, detail });
    return;
  }
  (d.logger ?? silentLogger).info({ drill: msg.id, target: msg.target, ...data }, "drill passed");
  await emit(d, { id: msg.id, target: msg.target }, "drill.passed", data);
}
