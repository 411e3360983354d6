import { realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { FsArtifactStore } from "@tablesnap/artifacts";
import { MANIFEST_FILE, UsageError } from "@tablesnap/core";
import { backupIn, GitTreeReader, LocalGitRepo } from "@tablesnap/publish";
import type { BackupReader } from "@tablesnap/restore";
import { identityFilesOf } from "../encryption-args.ts";

/** Where a command finds its backup: a folder, or a backup of a branch read straight from git. */
export interface BackupSource {
  readonly folder: string | undefined;
  readonly repo: string | undefined;
  readonly backup: string;
  readonly branch: string;
  /** age identity files for its encrypted files (`--identity`, TABLESNAP_AGE_IDENTITY_FILE). */
  readonly identityFiles: readonly string[];
}

/** The backup named by `--from` or `--repo` (with `--backup`, `--branch`): one, not both. */
export function sourceOf(
  values: {
    from?: string | undefined;
    repo?: string | undefined;
    backup?: string | undefined;
    branch?: string | undefined;
    identity?: string[] | undefined;
  },
  env: Readonly<Record<string, string | undefined>> = process.env,
): BackupSource {
  if (!values.from && !values.repo)
    throw new UsageError("give --from <backup folder>, or --repo DIR");
  if (values.from && values.repo) throw new UsageError("give --from or --repo, not both");
  return {
    folder: values.from,
    repo: values.repo,
    backup: values.backup ?? "latest",
    branch: values.branch ?? "main",
    identityFiles: identityFilesOf(values.identity, env),
  };
}

/** `--jobs`: a whole number from 1 to 64, `fallback` when not given. */
export function jobsOf(value: string | undefined, fallback: number): number {
  const jobs = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)
    throw new UsageError(`--jobs must be a whole number from 1 to 64 (got ${value})`);
  return jobs;
}

/**
 * A folder on disk (symlinks followed), or a backup folder of a commit read from git. A folder
 * that is a backup repository rather than a backup (`./backups`, as the quickstart names it) is
 * read as `--repo`: its latest backup, or `--backup NAME`, on `--branch`.
 */
export async function openReader(args: BackupSource): Promise<BackupReader> {
  if (args.folder) {
    let dir: string;
    try {
      dir = await realpath(args.folder);
      if (!(await stat(dir)).isDirectory()) throw new Error("not a folder");
    } catch {
      throw new UsageError(`no backup folder at ${args.folder}`);
    }
    if (!(await exists(join(dir, MANIFEST_FILE))) && (await isRepository(dir)))
      return openFromGit(dir, args);
    return new FsArtifactStore(dir);
  }
  return openFromGit(args.repo ?? ".", args);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A work tree (`.git` inside) or a bare repository (`HEAD` and `objects`). */
async function isRepository(dir: string): Promise<boolean> {
  if (await exists(join(dir, ".git"))) return true;
  return (await exists(join(dir, "HEAD"))) && (await exists(join(dir, "objects")));
}

async function openFromGit(repoDir: string, args: BackupSource): Promise<BackupReader> {
  return (await committedBackup(repoDir, args.branch, args.backup)).reader;
}

/** A backup of a branch, read from git: its reader and `<commit>:<folder>`. */
export async function committedBackup(
  repoDir: string,
  branch: string,
  name: string,
): Promise<{ reader: GitTreeReader; treeish: string; name: string }> {
  const b = await backupIn(new LocalGitRepo(repoDir), repoDir, branch, name);
  const treeish = `${b.commit}:${b.folder}`;
  return { reader: new GitTreeReader(repoDir, treeish), treeish, name: b.name };
}
