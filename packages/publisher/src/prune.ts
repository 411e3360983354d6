import type { DeliveryContext, Message } from "@tablesnap/bus";
import { messageOf } from "@tablesnap/core";
import {
  dropUnreachable,
  type HistoryRepo,
  LocalGitRepo,
  type PruneResult,
  pruneHistory,
} from "@tablesnap/publish";
import { emit, type OpenRepo, silentLogger, type WorkerDeps, WorkerError } from "@tablesnap/runs";
import { bounded, tellFailed } from "./task.ts";

export interface PruneDeps extends WorkerDeps {
  readonly openRepo: OpenRepo;
}

/**
 * A target's scheduled history rotation (`retention.prune_history`): the branch's commits older
 * than the retention are squashed (`pruneHistory`), and on a repository on disk the space they
 * held is freed. It waits while a run of the target is in progress (retriable: the message comes
 * back later), since GitHub's forced update cannot compare-and-swap. Told like a drill: log,
 * `prune.done` / `prune.failed` event, Slack webhook on failure.
 */
export async function pruneTarget(
  d: PruneDeps,
  msg: Message<"maintenance">,
  ctx: DeliveryContext,
  stop: AbortSignal,
): Promise<void> {
  const log = d.logger ?? silentLogger;
  const target = d.targets.find((t) => t.name === msg.target);
  const context = { prune: msg.id, target: msg.target };
  if (!target?.retention.pruneHistory) {
    log.warn(context, "history rotation for a target without retention.prune_history");
    return;
  }
  try {
    const busy = await d.state.targetSummary(target.name);
    if (busy.running || busy.pending) {
      log.info({ ...context, try: ctx.deliveryCount }, "history rotation waits for a run");
      if (ctx.deliveryCount < ctx.maxDeliver)
        throw new WorkerError("target_busy", `a run of ${target.name} is in progress`, {
          retriable: true,
        });
      throw new Error(`runs of ${target.name} kept it busy on ${ctx.deliveryCount} tries`);
    }
    const r = await bounded(target.timeLimitSeconds, ctx, stop, (signal) =>
      prune(d, target, new Date(), signal),
    );
    const data = { kept: r.kept, squashed: r.squashed, new_head: r.newHead };
    log.info({ ...context, ...data }, r.squashed === 0 ? "nothing to prune" : "history pruned");
    await emit(d, { id: msg.id, target: msg.target }, "prune.done", data);
  } catch (e) {
    if (e instanceof WorkerError && e.code === "worker_target_busy") throw e;
    const error = messageOf(e);
    const failed = { what: "history rotation", logLine: "history rotation failed" };
    await tellFailed(d, msg, { ...failed, data: { error }, detail: error });
  }
}

function isHistoryRepo<T extends object>(repo: T): repo is T & HistoryRepo {
  return "forceBranch" in repo && "writeCommit" in repo && "commitInfo" in repo;
}

async function prune(
  d: PruneDeps,
  target: PruneDeps["targets"][number],
  now: Date,
  signal: AbortSignal,
): Promise<PruneResult> {
  const opened = await d.openRepo(target.repository);
  try {
    const repo = opened.repo;
    if (!isHistoryRepo(repo))
      throw new WorkerError(
        "prune_unsupported",
        "history rotation works on a repository on disk or on GitHub; prune a clone of a git remote and push it",
      );
    const { keep, keepDays } = target.retention;
    const r = await pruneHistory(repo, {
      ...{ branch: opened.branch, keep, keepDays, historyBranch: null, now, signal },
    });
    if (repo instanceof LocalGitRepo && r.squashed !== 0)
      await dropUnreachable(repo.dir, opened.branch);
    return r;
  } finally {
    await opened.close();
  }
}
