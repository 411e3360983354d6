import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { FsArtifactStore } from "@tablesnap/artifacts";
import { type Manifest, UsageError } from "@tablesnap/core";
import { DumpAbortedError } from "@tablesnap/dump";
import { type BackupRepo, GitRemoteRepo, publishBackup, redact } from "@tablesnap/publish";
import type { BackupArgs } from "../args.ts";
import type { Output } from "../output.ts";
import { type BackupOutcome, type Critical, describe, dump } from "./dump-step.ts";
import { openGitHubTarget } from "./github-target.ts";
import {
  dropKept,
  keepManifest,
  loadKept,
  newBackupId,
  PublishFailedError,
  pendingDir,
} from "./kept-dump.ts";
import type { StorageOutcome } from "./storage-step.ts";

interface RemoteTarget {
  readonly repo: BackupRepo;
  readonly label: string;
  close(): Promise<void>;
}

/**
 * A backup to GitHub's API or a git remote: the target is checked first (credentials, access,
 * reachable), the dump is staged in the work dir, then published as one commit. When the
 * publish fails the dump stays (with its manifest) and the error says how to publish it with
 * `--resume` without dumping again; after a publish it is removed.
 */
export async function remoteBackup(
  args: BackupArgs,
  out: Output,
  signal: AbortSignal,
  critical: Critical,
): Promise<BackupOutcome> {
  const target = await openTarget(args, out);
  try {
    let manifest: Manifest;
    let storage: StorageOutcome | undefined;
    let store: FsArtifactStore;
    let dir: string;
    if (args.resume) {
      dir = resolve(args.resume);
      ({ manifest, store } = await loadKept(dir));
      out.info(`publishing the dump in ${dir} to ${target.label}`);
    } else {
      const backupId = newBackupId();
      dir = pendingDir(args.workDir, backupId);
      store = new FsArtifactStore(dir);
      out.info(`backing up ${describe(args.databaseUrl)} to ${target.label} (staged in ${dir})`);
      try {
        ({ manifest, storage } = await dump(args, store, backupId, signal, out));
        await keepManifest(dir, manifest);
        if (signal.aborted) throw new DumpAbortedError();
      } catch (e) {
        await rm(dir, { recursive: true, force: true });
        throw e;
      }
    }
    const artifacts = store;
    const publish = await critical(() =>
      publishBackup({
        repo: target.repo,
        branch: args.branch,
        manifest,
        artifacts,
        retention: { keep: args.keep, keepDays: args.keepDays },
        commitUnchanged: args.commitUnchanged,
      }),
    ).catch((e: unknown) => {
      throw new PublishFailedError(e, dir);
    });
    await dropKept(dir, args.workDir);
    return { manifest, publish, storage };
  } finally {
    await target.close();
  }
}

async function openTarget(args: BackupArgs, out: Output): Promise<RemoteTarget> {
  const t = args.target;
  if (t.kind === "github") {
    const repo = await openGitHubTarget(t, (line) => out.info(line));
    return { repo, label: `GitHub ${t.repository}`, close: async () => {} };
  }
  if (t.kind !== "git-remote") throw new UsageError("not a remote target");
  const repo = await GitRemoteRepo.open(t.url, join(resolve(args.workDir), "remotes"));
  try {
    await repo.head(args.branch); // reachable, credentials work; fetches what the commit builds on
  } catch (e) {
    await repo.close();
    throw e;
  }
  return { repo, label: redact(t.url), close: () => repo.close() };
}
