import { type Manifest, manifestFiles, messageOf } from "@tablesnap/core";
import type { RunWithTriggers } from "@tablesnap/state";
import { filesPrefix, MANIFEST_FILE, runPrefix } from "./bucket-layout.ts";
import { type Outcome, reportOutcome } from "./slack.ts";
import { silentLogger, type WorkerDeps } from "./types.ts";

/** Publishes a progress event; an event that cannot be sent never fails the run. */
export async function emit(
  d: WorkerDeps,
  run: { id: string; target: string },
  kind: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  try {
    await d.bus.publish("event", {
      run_id: run.id,
      target: run.target,
      kind,
      at: new Date().toISOString(),
      data,
    });
  } catch (e) {
    (d.logger ?? silentLogger).warn({ runId: run.id, kind, error: String(e) }, "event not sent");
  }
}

/**
 * Ends a run `failed` with its reason, says so on the bus and in Slack (once: only if it
 * changed), and removes its objects from the bucket: nothing will publish them.
 */
export async function failRun(d: WorkerDeps, run: RunWithTriggers, error: string): Promise<void> {
  const t = await d.state.finishRun(run.id, "failed", { error });
  const log = d.logger ?? silentLogger;
  if (!t.changed) {
    // Ended already (a message given up after its run was published): say so, not "failed",
    // and remove what a worker killed before its clean-up left behind.
    log.info({ runId: run.id, status: t.run.status, error }, "run ended already");
    await removeEndedRun(d, t.run);
    return;
  }
  log.error({ runId: run.id, target: run.target, error }, "run failed");
  await emit(d, run, "run.failed", { error });
  await tell(d, run, { status: "failed", error });
  await removeObjects(d, run.id, runPrefix(run.id));
}

/**
 * Removes whatever an ended run still has in the bucket (its worker was killed between ending
 * the run and cleaning up). Idempotent: a published run's files by name, then its prefix.
 */
export async function removeEndedRun(
  d: WorkerDeps,
  run: { id: string; snapshotId: string | null; manifest: Manifest | null },
): Promise<void> {
  if (run.snapshotId && run.manifest) {
    await removePublishedRun(d, run.id, run.snapshotId, run.manifest);
  } else await removeObjects(d, run.id, runPrefix(run.id));
}

/**
 * Removes a published run's objects: every file the manifest names by key first (an S3 server
 * that ignores `encoding-type=url` lists odd keys wrongly, so a prefix removal alone would leave
 * them), then whatever else is under the run's prefix.
 */
export async function removePublishedRun(
  d: WorkerDeps,
  runId: string,
  snapshotId: string,
  manifest: Manifest,
): Promise<void> {
  if (d.keepArtifacts) return;
  const files = filesPrefix(runId, snapshotId);
  const known = [...manifestFiles(manifest).map((f) => files + f.path), files + MANIFEST_FILE];
  await d.bucket
    .forPrefix("")
    .removeFiles(known)
    .catch((e: unknown) => {
      (d.logger ?? silentLogger).warn({ runId, error: messageOf(e) }, "run objects not removed");
    });
  await removeObjects(d, runId, runPrefix(runId));
}

/** Removes a run's objects under `prefix` (best effort: a failure is logged). */
export async function removeObjects(d: WorkerDeps, runId: string, prefix: string): Promise<void> {
  if (d.keepArtifacts) return;
  await d.bucket
    .forPrefix("")
    .remove(prefix.replace(/\/$/, ""))
    .catch((e: unknown) => {
      const log = d.logger ?? silentLogger;
      log.warn({ runId, prefix, error: messageOf(e) }, "run objects not removed");
    });
}

export function tell(d: WorkerDeps, run: RunWithTriggers, outcome: Outcome): Promise<void> {
  return reportOutcome(d.slack, run, outcome, d.logger ?? silentLogger);
}
