import { randomBytes } from "node:crypto";
import { FsArtifactStore, observeClosedFiles } from "@tablesnap/artifacts";
import type { Manifest } from "@tablesnap/core";
import { DumpAbortedError, runBackup } from "@tablesnap/dump";
import {
  BlobFeeder,
  formatBytes,
  openLocalRepo,
  type PublishResult,
  publishBackup,
  readBaseState,
} from "@tablesnap/publish";
import type { BackupArgs } from "../args.ts";
import type { Output } from "../output.ts";

export interface BackupOutcome {
  readonly manifest: Manifest;
  readonly publish: PublishResult;
}

/**
 * `tablesnap backup`: checks the repository first, dumps into a staging folder inside its git dir
 * while a BlobFeeder stores each finished file in git, then publishes one commit. A failure or
 * interruption before the commit leaves the repository as it was (a repository the run created
 * is removed); the staging folder is removed either way.
 */
export async function backupCommand(
  args: BackupArgs,
  out: Output,
  signal: AbortSignal,
  critical: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<BackupOutcome> {
  const session = await openLocalRepo(args.repo, args.branch);
  let feeder: BlobFeeder | undefined;
  try {
    const backupId = `${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}Z-${randomBytes(4).toString("hex")}`;
    const staging = new FsArtifactStore(session.stagingDir(backupId));
    const base = await readBaseState(session.repo, await session.repo.head(args.branch));
    const blobs = new BlobFeeder(session.gitDir, staging, base.reusable, args.jobs);
    feeder = blobs;
    out.info(
      `backing up ${describe(args.databaseUrl)} into ${session.dir}${session.created ? " (new repository)" : ""}`,
    );
    const manifest = await runBackup({
      databaseUrl: args.databaseUrl,
      store: observeClosedFiles(staging, (entry) => blobs.offer(entry)),
      backupId,
      triggers: [args.trigger],
      jobs: args.jobs,
      includeSchemas: args.includeSchemas,
      excludeSchemas: args.excludeSchemas,
      customDump: args.customDump,
      pgBin: args.pgBin,
      maxFileBytes: args.maxFileBytes,
      signal,
      onProgress: (p) =>
        out.progress(
          `tables ${p.tablesDone}/${p.tablesTotal}, ${p.rows} rows, ${formatBytes(p.bytes)}`,
        ),
    });
    out.progressDone();
    const written = await blobs.finish();
    feeder = undefined;
    if (signal.aborted) throw new DumpAbortedError();
    // From here on an interrupt waits: the branch and the work tree move together.
    const publish = await critical(async () => {
      const r = await publishBackup({
        repo: session.repo,
        branch: args.branch,
        manifest,
        artifacts: staging,
        retention: { keep: args.keep, keepDays: args.keepDays },
        written,
      });
      await session.syncWorkTree(args.branch);
      return r;
    });
    await session.close();
    return { manifest, publish };
  } catch (e) {
    await feeder?.abort();
    // A repository this run created and never committed to is removed again.
    const committed = (await session.repo.head(args.branch).catch(() => null)) !== null;
    await (committed ? session.close() : session.discard());
    throw e;
  }
}

/** The database URL without its password, for messages. */
function describe(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    u.searchParams.delete("password");
    return u.toString();
  } catch {
    return "the database";
  }
}
