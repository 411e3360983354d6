import { readText } from "@tablesnap/artifacts";
import type { DeliveryContext, Message } from "@tablesnap/bus";
import { messageOf, parseManifest } from "@tablesnap/core";
import { publishBackup } from "@tablesnap/publish";
import {
  emit,
  failRun,
  filesPrefix,
  isRetriable,
  MANIFEST_FILE,
  type OpenRepo,
  removeEndedRun,
  removePublishedRun,
  silentLogger,
  tell,
  type WorkerDeps,
  WorkerError,
} from "@tablesnap/runs";
import type { RunWithTriggers } from "@tablesnap/state";

export interface PublisherDeps extends WorkerDeps {
  readonly openRepo: OpenRepo;
}

/**
 * Publishes a dumped run as one commit and ends it. Idempotent: a redelivered message (the
 * publisher died after the commit) finds the backup on the branch already and makes no commit;
 * a run already ended only has its leftover objects removed. Failures that a retry may fix are naked until the last
 * delivery; then, or for any other failure, the run ends `failed` and Slack hears of it.
 */
export async function publishRun(d: PublisherDeps, msg: Message<"run">, ctx: DeliveryContext) {
  const run = await d.state.getRun(msg.run_id);
  if (!run) throw new WorkerError("run_not_found", `run ${msg.run_id} is not in the state store`);
  if (run.status !== "running" && run.status !== "publishing") {
    // Ended already: a publisher killed after ending it may have left its objects.
    await removeEndedRun(d, run);
    return;
  }
  try {
    await publish(d, run, ctx);
  } catch (e) {
    if (isRetriable(e) && ctx.deliveryCount < ctx.maxDeliver) throw e;
    await failRun(d, run, `publishing failed: ${messageOf(e)}`);
  }
}

async function publish(d: PublisherDeps, run: RunWithTriggers, ctx: DeliveryContext) {
  const log = d.logger ?? silentLogger;
  if (!run.snapshotId) throw new WorkerError("no_snapshot", `run ${run.id} was never dumped`);
  const files = d.bucket.forPrefix(filesPrefix(run.id, run.snapshotId));
  const text = await readText(files, MANIFEST_FILE);
  if (text === null) {
    // The state names a newer attempt than the one that sent this message: it is still dumping.
    throw new WorkerError("manifest_missing", `run ${run.id} has no manifest yet`, {
      retriable: true,
    });
  }
  const manifest = parseManifest(text);
  const target = d.targets.find((t) => t.name === run.target);
  if (!target) throw new WorkerError("unknown_target", `no target named "${run.target}"`);
  await d.state.setPublishing(run.id);
  const alive = setInterval(() => ctx.working(), 1000);
  const opened = await d.openRepo(target.repository);
  let result: Awaited<ReturnType<typeof publishBackup>>;
  try {
    result = await publishBackup({
      repo: opened.repo,
      branch: opened.branch,
      manifest,
      artifacts: files,
      retention: target.retention,
      commitUnchanged: target.commitUnchanged,
    });
  } finally {
    clearInterval(alive);
    await opened.close().catch(() => {});
  }
  const status =
    manifest.status === "partial" ? "partial" : result.unchanged ? "unchanged" : "succeeded";
  const commitUrl = opened.commitUrl(result.commit);
  const t = await d.state.finishRun(run.id, status, {
    // The attempt published: a newer one may have started before this publisher took the run.
    snapshotId: run.snapshotId,
    commitSha: result.commit,
    ...(commitUrl === undefined ? {} : { commitUrl }),
    ...(result.writes === undefined ? {} : { writes: result.writes }),
    // An unchanged run committed nothing: it names the backup it matched, which is in the repository.
    backupId: result.matchedBackupId ?? manifest.backup_id,
  });
  log.info({ runId: run.id, commit: result.commit, changed: result.changed }, "run published");
  if (t.changed) {
    await emit(d, run, "run.published", { commit: result.commit, folder: result.folder });
    await tell(d, run, {
      status,
      commitSha: result.commit,
      commitUrl,
      folder: result.folder,
      changed: result.changed,
    });
  }
  await removePublishedRun(d, run.id, run.snapshotId, manifest);
}
