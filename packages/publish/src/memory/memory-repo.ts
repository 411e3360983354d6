import { BranchMovedError } from "../errors.ts";
import { formatCommitObject, parseCommitObject } from "../git/commit-object.ts";
import type { CommitInfo, HistoryRepo, NewCommit } from "../history.ts";
import type { BackupRepo, CommitRequest, CommitResult, TreeEntry } from "../types.ts";
import { ObjectDb } from "./objects.ts";
import { TreeEditor } from "./tree-editor.ts";

/** A BackupRepo held in memory, hashing like git: for tests and for computing tree SHAs offline. */
export class MemoryBackupRepo implements BackupRepo, HistoryRepo {
  readonly db = new ObjectDb();
  readonly #refs = new Map<string, string>();

  async head(branch: string): Promise<string | null> {
    return this.#refs.get(branch) ?? null;
  }

  async listTree(commit: string, path: string): Promise<TreeEntry[] | null> {
    const e = this.db.lookup(this.#treeOf(commit), path);
    return e?.mode === "040000" ? this.db.readTree(e.sha) : null;
  }

  async listFiles(commit: string, path: string): Promise<Map<string, string> | null> {
    const e = this.db.lookup(this.#treeOf(commit), path);
    if (e?.mode !== "040000") return null;
    const out = new Map<string, string>();
    const walk = (sha: string, prefix: string) => {
      for (const c of this.db.readTree(sha)) {
        if (c.mode === "040000") walk(c.sha, `${prefix}${c.name}/`);
        else out.set(`${prefix}${c.name}`, c.sha);
      }
    };
    walk(e.sha, "");
    return out;
  }

  async readFile(commit: string, path: string): Promise<Uint8Array | null> {
    const e = this.db.lookup(this.#treeOf(commit), path);
    return e && e.mode !== "040000" ? (this.db.get(e.sha)?.data ?? null) : null;
  }

  async commit(req: CommitRequest): Promise<CommitResult> {
    const editor = new TreeEditor(this.db, req.parent ? this.#treeOf(req.parent) : null);
    for (const op of req.ops) {
      if (op.op === "delete") editor.delete(op.path);
      else if (op.op === "tree") editor.set(op.path, "040000", op.sha);
      else if (op.op === "symlink")
        editor.set(op.path, "120000", this.db.put("blob", Buffer.from(op.target, "utf8")));
      else if (op.source.kind === "blob") editor.set(op.path, "100644", op.source.sha);
      else if (op.source.kind === "text")
        editor.set(op.path, "100644", this.db.put("blob", Buffer.from(op.source.text, "utf8")));
      else {
        const chunks: Uint8Array[] = [];
        for await (const c of req.artifacts.read(op.source.path)) chunks.push(c);
        editor.set(op.path, "100644", this.db.put("blob", Buffer.concat(chunks)));
      }
    }
    const tree = editor.write();
    const when = `${Math.floor(Date.now() / 1000)} +0000`;
    const who = `${req.author.name} <${req.author.email}> ${when}`;
    const body = `tree ${tree}\n${req.parent ? `parent ${req.parent}\n` : ""}author ${who}\ncommitter ${who}\n\n${req.message}`;
    const commit = this.db.put("commit", Buffer.from(body, "utf8"));
    if ((this.#refs.get(req.branch) ?? null) !== req.parent) throw new BranchMovedError(req.branch);
    this.#refs.set(req.branch, commit);
    return { commit, tree };
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    const o = this.db.get(sha);
    if (o?.type !== "commit") throw new Error(`not a commit: ${sha}`);
    return parseCommitObject(sha, o.data.toString("utf8"));
  }

  async writeCommit(c: NewCommit): Promise<string> {
    return this.db.put("commit", Buffer.from(formatCommitObject(c), "utf8"));
  }

  async forceBranch(branch: string, sha: string, expected: string | null): Promise<void> {
    if ((this.#refs.get(branch) ?? null) !== expected) throw new BranchMovedError(branch);
    this.#refs.set(branch, sha);
  }

  async countCommits(sha: string): Promise<number> {
    let n = 0;
    for (let s: string | undefined = sha; s; s = (await this.commitInfo(s)).parents[0]) n++;
    return n;
  }

  async treeOf(commit: string): Promise<string> {
    return this.#treeOf(commit);
  }

  #treeOf(commit: string): string {
    const o = this.db.get(commit);
    const m = o?.type === "commit" ? /^tree ([0-9a-f]{40})/.exec(o.data.toString("utf8")) : null;
    if (!m?.[1]) throw new Error(`not a commit: ${commit}`);
    return m[1];
  }
}
