import type { ArtifactStore } from "@tablesnap/artifacts";
import { BranchMovedError, GitHubApiError, GitHubPermissionError } from "../errors.ts";
import type { CommitInfo, HistoryRepo, NewCommit } from "../history.ts";
import type { BackupRepo, CommitRequest, CommitResult, TreeEntry, TreeOp } from "../types.ts";
import { apiFailure, githubError } from "./api-errors.ts";
import { type HashedBlob, hashArtifact, hashText } from "./blobs.ts";
import { initialise, moveBranch } from "./branch.ts";
import { connectGitHub, type GitHubClient, type GitHubClientOptions } from "./client.ts";
import { emit } from "./emit.ts";
import { TreeOverlay } from "./overlay.ts";
import { countRequests, type SendContext, sendItems, uploadBlobs } from "./send.ts";
import { GitHubTrees } from "./trees.ts";

export interface GitHubRepoOptions {
  /** UTF-8 files up to this size go inline in tree requests; larger ones as blobs. 512 KiB. */
  readonly inlineMaxBytes?: number;
  /** Largest body of one tree request; default 2,000,000 bytes. */
  readonly requestMaxBytes?: number;
}

/**
 * A BackupRepo on GitHub through the Git Data API. Blob SHAs are computed locally and every
 * folder's tree SHA too, so only what the repository lacks is sent: new small files inline in
 * as few tree requests as fit 2 MB, larger ones as blobs, folders the repository already has
 * (moved, archived, unchanged) as one entry. The branch moves once, without force; a moved
 * branch is a BranchMovedError, and the rebuild on top reuses what was sent.
 */
export class GitHubBackupRepo implements BackupRepo, HistoryRepo {
  readonly fullName: string;
  readonly #c: GitHubClient;
  readonly #trees: GitHubTrees;
  readonly #inlineMax: number;
  readonly #requestMax: number;
  readonly #commitTrees = new Map<string, string>();
  readonly #hashes = new WeakMap<ArtifactStore, Map<string, HashedBlob>>();
  #empty = false;
  #checked = false;

  constructor(client: GitHubClient, o: GitHubRepoOptions = {}) {
    this.#c = client;
    this.fullName = `${client.owner}/${client.repo}`;
    this.#trees = new GitHubTrees(client);
    this.#inlineMax = o.inlineMaxBytes ?? 512 * 1024;
    this.#requestMax = o.requestMaxBytes ?? 2_000_000;
  }

  /** Connects (finding a GitHub App's installation) and checks the repository can be written. */
  static async open(o: GitHubClientOptions & GitHubRepoOptions): Promise<GitHubBackupRepo> {
    const repo = new GitHubBackupRepo(await connectGitHub(o), o);
    await repo.check();
    return repo;
  }

  writes(): number {
    return this.#c.writes();
  }

  /** The repository exists, the credentials see it and (where GitHub says) may push to it. */
  async check(): Promise<void> {
    const { data } = await this.#call("reading the repository", () =>
      this.#c.octokit.rest.repos.get({ owner: this.#c.owner, repo: this.#c.repo }),
    );
    this.#checked = true;
    if (data.permissions?.push === false)
      throw new GitHubPermissionError(
        `the credentials may read ${this.fullName} but not push to it: the token or app needs read and write access to its contents`,
      );
  }

  async head(branch: string): Promise<string | null> {
    try {
      const { data } = await this.#c.octokit.rest.git.getRef({
        owner: this.#c.owner,
        repo: this.#c.repo,
        ref: `heads/${branch}`,
      });
      this.#empty = false;
      return data.object.sha;
    } catch (e) {
      const status = apiFailure(e)?.status;
      if (status === 409) this.#empty = true; // "Git Repository is empty."
      if (status === 404 && !this.#checked) await this.check(); // no branch, or no repository?
      if (status === 404 || status === 409) return null;
      throw githubError(e, this.fullName, `reading branch ${branch}`);
    }
  }

  async treeOf(commit: string): Promise<string> {
    const cached = this.#commitTrees.get(commit);
    if (cached) return cached;
    const { data } = await this.#call(`reading commit ${commit}`, () =>
      this.#c.octokit.rest.git.getCommit({
        owner: this.#c.owner,
        repo: this.#c.repo,
        commit_sha: commit,
      }),
    );
    this.#commitTrees.set(commit, data.tree.sha);
    return data.tree.sha;
  }

  async listTree(commit: string, path: string): Promise<TreeEntry[] | null> {
    const e = await this.#trees.entryAt(await this.treeOf(commit), path);
    return e?.mode === "040000" ? [...(await this.#trees.tree(e.sha))] : null;
  }

  async readFile(commit: string, path: string): Promise<Uint8Array | null> {
    const e = await this.#trees.entryAt(await this.treeOf(commit), path);
    return e && e.mode !== "040000" ? this.#trees.blob(e.sha) : null;
  }

  async listFiles(commit: string, path: string): Promise<Map<string, string> | null> {
    const e = await this.#trees.entryAt(await this.treeOf(commit), path);
    return e?.mode === "040000" ? this.#trees.files(e.sha) : null;
  }

  async commit(req: CommitRequest): Promise<CommitResult> {
    let parent = req.parent;
    if (parent === null) {
      if ((await this.head(req.branch)) !== null) throw new BranchMovedError(req.branch);
      if (this.#empty) {
        parent = await initialise(this.#c, req.branch);
        this.#empty = false;
      }
    }
    const base = parent ? await this.treeOf(parent) : null;
    const overlay = await TreeOverlay.open(base, (sha) => this.#trees.tree(sha));
    for (const op of req.ops) await this.#apply(overlay, op, req.artifacts);
    const expected = overlay.seal();
    const known = this.#trees.known;
    const { items, standalone } = emit(overlay.root, (sha) => known.has(sha));
    this.#planWrites([...standalone.flatMap((s) => s.items), ...items], standalone.length);

    const ctx: SendContext = {
      client: this.#c,
      artifacts: req.artifacts,
      requestMaxBytes: this.#requestMax,
      known,
      call: (doing, fn) => this.#call(doing, fn),
    };
    for (const s of standalone) {
      await uploadBlobs(ctx, s.items);
      this.#same(await sendItems(ctx, null, s.items), s.sha, s.path);
    }
    await uploadBlobs(ctx, items);
    const tree = items.length > 0 || !base ? await sendItems(ctx, base, items) : base;
    this.#same(tree, expected, "the backup");
    for (const sha of overlay.objects()) known.add(sha);

    const date = new Date().toISOString();
    const author = { ...req.author, date };
    const { data } = await this.#call("creating the commit", () =>
      this.#c.octokit.rest.git.createCommit({
        owner: this.#c.owner,
        repo: this.#c.repo,
        message: req.message,
        tree,
        parents: parent ? [parent] : [],
        author,
        committer: author,
      }),
    );
    await moveBranch(this.#c, req.branch, parent, data.sha, () => this.head(req.branch));
    this.#commitTrees.set(data.sha, tree);
    return { commit: data.sha, tree };
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    const { owner, repo } = this.#c;
    const { data } = await this.#call(`reading commit ${sha}`, () =>
      this.#c.octokit.rest.git.getCommit({ owner, repo, commit_sha: sha }),
    );
    const who = (s: { name: string; email: string; date: string }) => ({ ...s });
    return {
      ...{ sha, tree: data.tree.sha, parents: data.parents.map((p) => p.sha) },
      ...{ message: data.message, author: who(data.author), committer: who(data.committer) },
    };
  }

  async writeCommit(c: NewCommit): Promise<string> {
    const { owner, repo } = this.#c;
    const { data } = await this.#call("writing a commit", () =>
      this.#c.octokit.rest.git.createCommit({
        ...{ owner, repo, message: c.message, tree: c.tree, parents: [...c.parents] },
        ...{ author: c.author, committer: c.committer },
      }),
    );
    return data.sha;
  }

  /**
   * GitHub's forced ref update has no compare-and-swap: the head is checked right before it, so
   * a backup committed in that one request's time would be lost (prune says so; the services
   * prune only while no run of the target is in progress).
   */
  async forceBranch(branch: string, sha: string, expected: string | null): Promise<void> {
    const { owner, repo } = this.#c;
    if ((await this.head(branch)) !== expected) throw new BranchMovedError(branch);
    await this.#call(`moving branch ${branch}`, async () => {
      if (expected === null)
        await this.#c.octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha });
      else
        await this.#c.octokit.rest.git.updateRef({
          ...{ owner, repo, ref: `heads/${branch}` },
          ...{ sha, force: true },
        });
    });
  }

  async #apply(overlay: TreeOverlay, op: TreeOp, artifacts: ArtifactStore): Promise<void> {
    if (op.op === "delete") return overlay.delete(op.path);
    if (op.op === "tree") return overlay.set(op.path, { mode: "040000", sha: op.sha });
    if (op.op === "symlink") {
      const body = { kind: "text", text: op.target } as const;
      return overlay.set(op.path, {
        mode: "120000",
        body,
        ...hashText(op.target, this.#inlineMax),
      });
    }
    const s = op.source;
    if (s.kind === "blob") return overlay.set(op.path, { mode: "100644", sha: s.sha });
    if (s.kind === "text")
      return overlay.set(op.path, {
        mode: "100644",
        body: s,
        ...hashText(s.text, this.#inlineMax),
      });
    const byPath = this.#hashes.get(artifacts) ?? new Map<string, HashedBlob>();
    this.#hashes.set(artifacts, byPath);
    const key = `${s.bytes}:${s.path}`;
    let hashed = byPath.get(key);
    if (!hashed) {
      hashed = await hashArtifact(artifacts, s.path, s.bytes, this.#inlineMax);
      byPath.set(key, hashed);
    }
    return overlay.set(op.path, { mode: "100644", body: s, ...hashed });
  }

  #planWrites(items: Parameters<typeof countRequests>[0], standalone: number): void {
    const n = countRequests(items, this.#requestMax, this.#trees.known) + standalone + 2;
    const wait = this.#c.budget.plan(n);
    if (wait > 5_000)
      this.#c.log(
        `${this.fullName}: this backup needs about ${n} write requests; GitHub allows ${this.#c.budget.perMinute} a minute and ${this.#c.budget.perHour} an hour, so it takes at least ${Math.ceil(wait / 60_000)} min (--git-remote has no such limit)`,
      );
  }

  #same(got: string, expected: string, what: string): void {
    if (got !== expected)
      throw new GitHubApiError(0, `GitHub built tree ${got} for ${what}, expected ${expected}`);
  }

  async #call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw githubError(e, this.fullName, doing);
    }
  }
}
