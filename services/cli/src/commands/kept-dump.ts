import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { FsArtifactStore } from "@tablesnap/artifacts";
import {
  MANIFEST_FILE,
  type Manifest,
  parseManifest,
  serializeManifest,
  TablesnapError,
  type TablesnapErrorOptions,
} from "@tablesnap/core";
import { verifyBackup } from "@tablesnap/restore";

/**
 * Dumps for a remote target are staged in `<work dir>/pending/<backup id>/` with their
 * manifest.json; when the publish fails they stay there and `--resume DIR` publishes them later
 * without dumping again.
 */
export function newBackupId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}Z-${randomBytes(4).toString("hex")}`;
}

export function pendingDir(workDir: string, backupId: string): string {
  return join(resolve(workDir), "pending", backupId);
}

/** Writes the manifest beside the files: the folder is then a backup folder `verify` accepts. */
export async function keepManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFile(join(dir, MANIFEST_FILE), serializeManifest(manifest));
}

/** A kept dump, re-checked file by file against its manifest before anything is published. */
export async function loadKept(
  dir: string,
): Promise<{ manifest: Manifest; store: FsArtifactStore }> {
  const store = new FsArtifactStore(resolve(dir));
  const report = await verifyBackup(store);
  if (!report.ok)
    throw new KeptDumpError(
      `--resume ${dir} is not a complete dump (${report.problems[0]?.message ?? "no manifest"}); run the backup again without --resume`,
    );
  const text = Buffer.concat(await chunks(store.read(MANIFEST_FILE))).toString("utf8");
  return { manifest: parseManifest(text), store };
}

/** Removes a published dump, but only one tablesnap staged (never a folder given from elsewhere). */
export async function dropKept(dir: string, workDir: string): Promise<void> {
  const rel = relative(join(resolve(workDir), "pending"), resolve(dir));
  if (rel && !rel.startsWith("..") && !rel.includes("/") && !rel.includes("\\"))
    await rm(resolve(dir), { recursive: true, force: true });
}

async function chunks(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return out;
}

/** A folder given to --resume that is not a complete dump. */
export class KeptDumpError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("kept_dump_invalid", message, options);
  }
}

/** Publishing failed after the dump: the message says why, where the dump is kept, and how to retry. */
export class PublishFailedError extends TablesnapError {
  readonly keptAt: string;

  constructor(cause: unknown, keptAt: string) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      "publish_failed",
      `${why}; the dump is kept in ${keptAt}: after fixing this, run the same command with --resume ${keptAt} to publish it without dumping again`,
      {
        cause,
        retriable: cause instanceof TablesnapError ? cause.retriable : false,
        context: { keptAt },
      },
    );
    this.keptAt = keptAt;
  }
}
