import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CatFile, type GitObject } from "./cat-file.ts";
import { LineBatch } from "./line-batch.ts";
import { type GitIdentity, gitDate, type TreeEntry } from "./objects.ts";
import { git, gitText, runGit } from "./run.ts";

export const ZERO_SHA = "0000000000000000000000000000000000000000";
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export interface RefInfo {
  readonly ref: string;
  readonly sha: string;
  readonly type: string;
}

export interface LsTreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
  readonly size: number | undefined;
  readonly path: string;
}

/**
 * A bare repository on disk, changed only through git plumbing: objects with `hash-object`,
 * `mktree` and `commit-tree`, refs with `update-ref` given the old value (compare-and-swap).
 */
export class BareRepo {
  readonly gitDir: string;
  readonly #cat: CatFile;
  readonly #check: CatFile;
  readonly #mktree: LineBatch;
  readonly #hasher: LineBatch;
  /** Blob contents wait here for `hash-object --stdin-paths` (inside the repository). */
  readonly #tmp: string;
  /** Seen to have a ref: stays so until a ref is deleted (no process per git data call). */
  #hasRefs = false;

  constructor(gitDir: string) {
    this.gitDir = gitDir;
    this.#cat = new CatFile(gitDir);
    this.#check = new CatFile(gitDir, "check");
    this.#mktree = new LineBatch(gitDir, ["mktree", "-z", "--batch"]);
    this.#hasher = new LineBatch(gitDir, ["hash-object", "-w", "--no-filters", "--stdin-paths"]);
    this.#tmp = join(gitDir, "emulator-tmp");
  }

  static async init(gitDir: string, defaultBranch: string): Promise<BareRepo> {
    await mkdir(dirname(gitDir), { recursive: true });
    await runGit(dirname(gitDir), ["init", "--quiet", "--bare", gitDir]);
    await git(gitDir, ["symbolic-ref", "HEAD", `refs/heads/${defaultBranch}`]);
    return new BareRepo(gitDir);
  }

  read(sha: string): Promise<GitObject | null> {
    return this.#cat.read(sha);
  }

  /** Type and size of an object without reading it (`data` is empty). */
  info(sha: string): Promise<GitObject | null> {
    return this.#check.read(sha);
  }

  /** `git hash-object -w` of the bytes, through one long-lived process and a temp file. */
  async writeBlob(data: Uint8Array): Promise<string> {
    await mkdir(this.#tmp, { recursive: true });
    const file = join(this.#tmp, randomBytes(12).toString("hex"));
    await writeFile(file, data);
    try {
      return await this.#hasher.request(`${file}\n`);
    } finally {
      await rm(file, { force: true });
    }
  }

  /**
   * `git mktree` of the entries (git sorts them; every entry's object must exist). Batch mode:
   * NUL-terminated entries, then an empty record ends the tree.
   */
  mktree(entries: readonly TreeEntry[]): Promise<string> {
    const input = entries.map((e) => `${e.mode} ${e.type} ${e.sha}\t${e.name}\0`).join("");
    return this.#mktree.request(`${input}\0`);
  }

  async commitTree(o: {
    tree: string;
    parents: readonly string[];
    message: string;
    author: GitIdentity;
    committer: GitIdentity;
  }): Promise<string> {
    const args = ["commit-tree", o.tree, ...o.parents.flatMap((p) => ["-p", p])];
    const env = {
      GIT_AUTHOR_NAME: o.author.name,
      GIT_AUTHOR_EMAIL: o.author.email,
      GIT_AUTHOR_DATE: gitDate(o.author),
      GIT_COMMITTER_NAME: o.committer.name,
      GIT_COMMITTER_EMAIL: o.committer.email,
      GIT_COMMITTER_DATE: gitDate(o.committer),
    };
    // commit-tree stores the message from stdin as given (no cleanup), as GitHub does.
    const r = await git(this.gitDir, args, { input: o.message, env });
    return r.stdout.toString("utf8").trim();
  }

  /** The branch HEAD names (`main`), read from the file: no process per request. */
  async headBranch(): Promise<string> {
    const head = (await readFile(`${this.gitDir}/HEAD`, "utf8")).trim();
    return head.startsWith("ref: refs/heads/") ? head.slice("ref: refs/heads/".length) : "main";
  }

  async setHeadBranch(branch: string): Promise<void> {
    await git(this.gitDir, ["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
  }

  /** Refs whose full name starts with `prefix` (a plain string prefix, like GitHub's). */
  async listRefs(prefix = "refs/"): Promise<RefInfo[]> {
    // for-each-ref matches whole path components: narrow to the prefix's folder, then filter.
    const folder = prefix.slice(0, prefix.lastIndexOf("/"));
    const out = await gitText(this.gitDir, [
      "for-each-ref",
      "--format=%(objectname) %(objecttype) %(refname)",
      ...(folder.includes("/") ? [folder] : []),
    ]);
    const refs: RefInfo[] = [];
    for (const line of out ? out.split("\n") : []) {
      const [sha = "", type = "", ...rest] = line.split(" ");
      const ref = rest.join(" ");
      if (ref.startsWith(prefix)) refs.push({ ref, sha, type });
    }
    return refs;
  }

  async resolveRef(ref: string): Promise<RefInfo | undefined> {
    return (await this.listRefs(ref)).find((r) => r.ref === ref);
  }

  async isEmpty(): Promise<boolean> {
    if (this.#hasRefs) return false;
    const out = await gitText(this.gitDir, ["for-each-ref", "--count=1", "--format=%(refname)"]);
    this.#hasRefs = out !== "";
    return !this.#hasRefs;
  }

  async isValidRefName(ref: string): Promise<boolean> {
    return (await git(this.gitDir, ["check-ref-format", ref], { allowFail: true })).code === 0;
  }

  /** Moves `ref` to `sha` only if it is still at `oldSha` (ZERO_SHA: must not exist). */
  async updateRef(ref: string, sha: string, oldSha: string): Promise<boolean> {
    const r = await git(this.gitDir, ["update-ref", ref, sha, oldSha], { allowFail: true });
    return r.code === 0;
  }

  async deleteRef(ref: string, oldSha: string): Promise<boolean> {
    const r = await git(this.gitDir, ["update-ref", "-d", ref, oldSha], { allowFail: true });
    this.#hasRefs = false; // maybe the last one: ask git again next time
    return r.code === 0;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const args = ["merge-base", "--is-ancestor", ancestor, descendant];
    return (await git(this.gitDir, args, { allowFail: true })).code === 0;
  }

  /** `git ls-tree -l` of a tree (recursively with `-r -t`), paths relative to it. */
  async lsTree(treeSha: string, recursive: boolean): Promise<LsTreeEntry[]> {
    const args = ["ls-tree", "-l", "-z", ...(recursive ? ["-r", "-t"] : []), treeSha];
    const out = (await git(this.gitDir, args)).stdout.toString("utf8");
    const entries: LsTreeEntry[] = [];
    for (const rec of out.split("\0")) {
      if (!rec) continue;
      const tab = rec.indexOf("\t");
      const [mode = "", type = "", sha = "", size = "-"] = rec.slice(0, tab).split(/ +/);
      const path = rec.slice(tab + 1);
      entries.push({ mode, type, sha, size: size === "-" ? undefined : Number(size), path });
    }
    return entries;
  }

  /** Date of the newest commit any branch points at (what GitHub shows as `pushed_at`). */
  async lastCommitTime(): Promise<number | undefined> {
    const args = [
      "for-each-ref",
      "--sort=-committerdate",
      "--count=1",
      "--format=%(committerdate:unix)",
    ];
    const out = await gitText(this.gitDir, [...args, "refs/heads"]);
    return out ? Number(out) : undefined;
  }

  /** Size of the object database in KiB, as GitHub's `size`. */
  async sizeKb(): Promise<number> {
    const out = await gitText(this.gitDir, ["count-objects", "-v"]);
    let kb = 0;
    for (const line of out.split("\n")) {
      const [key, value] = line.split(": ");
      if (key === "size" || key === "size-pack") kb += Number(value);
    }
    return kb;
  }

  close(): void {
    this.#cat.close();
    this.#check.close();
    this.#mktree.close();
    this.#hasher.close();
  }
}
