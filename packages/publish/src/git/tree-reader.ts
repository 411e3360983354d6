import { spawn } from "node:child_process";
import { GitError } from "../errors.ts";
import { git } from "./git.ts";

/**
 * The files of one folder of a commit, read straight from git (no checkout): the read side of an
 * ArtifactStore, so whatever reads a backup folder reads a committed backup the same way.
 */
export class GitTreeReader {
  readonly location: string;
  readonly #dir: string;
  readonly #tree: string;

  /** `treeish` is e.g. `main:backups/latest/latest_2026-11-22T10-00-00Z`. */
  constructor(repoDir: string, treeish: string) {
    this.#dir = repoDir;
    this.#tree = treeish;
    this.location = `${repoDir} (${treeish})`;
  }

  async list(prefix?: string): Promise<string[]> {
    const r = await git(this.#dir, ["ls-tree", "-r", "-z", "--name-only", this.#tree], {
      allowFail: true,
    });
    if (r.code !== 0) throw new GitError(`no such backup in git: ${this.#tree}`);
    const all = r.stdout.toString("utf8").split("\0").filter(Boolean).sort();
    return prefix ? all.filter((p) => p === prefix || p.startsWith(`${prefix}/`)) : all;
  }

  async *read(path: string): AsyncIterable<Uint8Array> {
    const child = spawn("git", ["cat-file", "blob", `${this.#tree}/${path}`], {
      cwd: this.#dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const closed = new Promise<number>((resolve) =>
      child.on("close", (code) => resolve(code ?? -1)),
    );
    yield* child.stdout;
    if ((await closed) !== 0)
      throw new GitError(`cannot read ${path} from ${this.#tree}: ${stderr.trim()}`);
  }
}
