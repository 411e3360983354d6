import { UsageError } from "@tablesnap/core";
import { GitError } from "./errors.ts";
import { LocalGitRepo } from "./git/local-repo.ts";
import type { BackupRepo } from "./types.ts";

/**
 * The files of one backup folder of a commit, read through any BackupRepo (the GitHub API, a
 * git remote, memory): the read side of an artifact store, like GitTreeReader for a local
 * repository. A file comes back whole (the API serves blobs whole), so memory is bounded by the
 * largest file: table data is split into parts (`--max-file-bytes`, 32 MiB by default) for that.
 */
export class RepoTreeReader {
  readonly location: string;
  readonly #repo: BackupRepo;
  readonly #commit: string;
  readonly #folder: string;

  constructor(repo: BackupRepo, commit: string, folder: string, location: string) {
    this.#repo = repo;
    this.#commit = commit;
    this.#folder = folder;
    this.location = location;
  }

  async list(prefix?: string): Promise<string[]> {
    const files = await this.#repo.listFiles(this.#commit, this.#folder);
    if (files === null) throw new GitError(`no such backup: ${this.location}`);
    const all = [...files.keys()].sort();
    return prefix ? all.filter((p) => p === prefix || p.startsWith(`${prefix}/`)) : all;
  }

  async *read(path: string): AsyncIterable<Uint8Array> {
    const data = await this.#repo.readFile(this.#commit, `${this.#folder}/${path}`);
    if (data === null) throw new GitError(`no file ${path} in ${this.location}`);
    yield data;
  }
}

/** Where a named backup of a branch is in any repository (`where` names it in errors). */
export async function backupIn(
  repo: BackupRepo,
  where: string,
  branch: string,
  name: string,
): Promise<{ commit: string; folder: string; name: string }> {
  const commit = await headOf(repo, where, branch);
  const folder = await backupFolder(repo, commit, name);
  if (!folder) throw new UsageError(`no backup ${JSON.stringify(name)} on ${branch} in ${where}`);
  return { commit, folder, name: folder.split("/").at(-1) ?? name };
}

/** The newest archive of a branch (the backup before the latest), or null when there is none. */
export async function previousBackupName(
  repo: BackupRepo,
  where: string,
  branch: string,
): Promise<string | null> {
  const head = await headOf(repo, where, branch);
  const names = ((await repo.listTree(head, "backups/archive")) ?? [])
    .filter((e) => e.mode === "040000")
    .map((e) => e.name)
    .sort();
  return names.at(-1) ?? null;
}

async function headOf(repo: BackupRepo, where: string, branch: string): Promise<string> {
  const head = await repo.head(branch).catch((e: unknown) => {
    if (repo instanceof LocalGitRepo) return null;
    throw e; // an API's error (credentials, a missing repository) says more than "no branch"
  });
  if (!head) throw new UsageError(`no branch ${branch} in the repository at ${where}`);
  return head;
}

async function backupFolder(
  repo: BackupRepo,
  commit: string,
  name: string,
): Promise<string | null> {
  if (name === "latest") {
    const link = await repo.readFile(commit, "backups/latest/latest");
    return link ? `backups/latest/${Buffer.from(link).toString("utf8").trim()}` : null;
  }
  for (const parent of ["backups/latest", "backups/archive"]) {
    const entries = await repo.listTree(commit, parent);
    if (entries?.some((e) => e.name === name && e.mode === "040000")) return `${parent}/${name}`;
  }
  return null;
}
