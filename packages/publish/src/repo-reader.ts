import { GitError } from "./errors.ts";
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
