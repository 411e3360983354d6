import { type ArtifactStore, FsArtifactStore } from "@tablesnap/artifacts";
import type { Manifest } from "@tablesnap/core";
import { DumpAbortedError } from "@tablesnap/dump";
import {
  type BaseState,
  BlobFeeder,
  openLocalRepo,
  publishBackup,
  readBaseState,
} from "@tablesnap/publish";
import type { BackupArgs } from "../args.ts";
import type { Output } from "../output.ts";
import { type BackupOutcome, type Critical, describe, dump } from "./dump-step.ts";
import { dropKept, loadKept, newBackupId } from "./kept-dump.ts";
import type { StorageOutcome } from "./storage-step.ts";

export type { BackupOutcome, Critical } from "./dump-step.ts";

/**
 * `tablesnap backup`: into a repository on disk (below), or through GitHub's API or a git
 * remote (`remoteBackup`). With `--resume DIR` a kept dump is published instead of dumping.
 */
export async function backupCommand(
  args: BackupArgs,
  out: Output,
  signal: AbortSignal,
  critical: Critical,
): Promise<BackupOutcome> {
  if (args.target.kind !== "local") {
    // Octokit and the GitHub adapter load only for the backups that use them.
    const { remoteBackup } = await import("./backup-remote.ts");
    return remoteBackup(args, out, signal, critical);
  }
  return localBackup(args, args.target.dir, out, signal, critical);
}

/**
 * Checks the repository first, dumps into a staging folder inside its git dir while a
 * BlobFeeder stores each finished file in git, then publishes one commit. A failure or
 * interruption before the commit leaves the repository as it was (a repository the run created
 * is removed); the staging folder is removed either way.
 */
async function localBackup(
  args: BackupArgs,
  dir: string,
  out: Output,
  signal: AbortSignal,
  critical: Critical,
): Promise<BackupOutcome> {
  const session = await openLocalRepo(dir, args.branch);
  let feeder: BlobFeeder | undefined;
  try {
    let manifest: Manifest;
    let storage: StorageOutcome | undefined;
    let artifacts: ArtifactStore;
    let written = new Map<string, string>();
    let known: { head: string | null; state: BaseState } | undefined;
    if (args.resume) {
      ({ manifest, store: artifacts } = await loadKept(args.resume));
      out.info(`publishing the dump in ${args.resume} into ${session.dir}`);
    } else {
      const backupId = newBackupId();
      const staging = new FsArtifactStore(session.stagingDir(backupId));
      artifacts = staging;
      const head = await session.repo.head(args.branch);
      const base = await readBaseState(session.repo, head);
      known = { head, state: base };
      const blobs = new BlobFeeder(session.gitDir, staging, base.reusable, args.jobs);
      feeder = blobs;
      out.info(
        `backing up ${describe(args.databaseUrl)} into ${session.dir}${session.created ? " (new repository)" : ""}`,
      );
      ({ manifest, storage } = await dump(args, staging, backupId, signal, out, (e) =>
        blobs.offer(e),
      ));
      written = await blobs.finish();
      feeder = undefined;
    }
    if (signal.aborted) throw new DumpAbortedError();
    // From here on an interrupt waits: the branch and the work tree move together.
    const publish = await critical(async () => {
      const r = await publishBackup({
        repo: session.repo,
        branch: args.branch,
        manifest,
        artifacts,
        retention: { keep: args.keep, keepDays: args.keepDays },
        written,
        commitUnchanged: args.commitUnchanged,
        ...(known === undefined ? {} : { base: known }),
      });
      // An unchanged backup committed nothing: the work tree is as it was. (A backup the branch
      // already held may follow a crash before the sync, so that one syncs.)
      if (!r.unchanged) await session.syncWorkTree(args.branch);
      return r;
    });
    await session.close();
    if (args.resume) await dropKept(args.resume, args.workDir);
    return { manifest, publish, storage };
  } catch (e) {
    await feeder?.abort();
    // A repository this run created and never committed to is removed again.
    const committed = (await session.repo.head(args.branch).catch(() => null)) !== null;
    await (committed ? session.close() : session.discard());
    throw e;
  }
}
