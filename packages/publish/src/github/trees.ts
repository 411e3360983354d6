import type { EntryMode, TreeEntry } from "../types.ts";
import { githubError } from "./api-errors.ts";
import type { GitHubClient } from "./client.ts";

/**
 * Reads trees and blobs of one repository through the Git Data API. Objects never change, so
 * every tree read is kept; every SHA seen in one is `known`: the repository holds it, and a
 * commit can reference it instead of sending it again.
 */
export class GitHubTrees {
  readonly known = new Set<string>();
  readonly #c: GitHubClient;
  readonly #trees = new Map<string, readonly TreeEntry[]>();

  constructor(client: GitHubClient) {
    this.#c = client;
  }

  /** The entries of a tree. */
  async tree(sha: string): Promise<readonly TreeEntry[]> {
    const cached = this.#trees.get(sha);
    if (cached) return cached;
    const { data } = await this.#call(`reading tree ${sha}`, () =>
      this.#c.octokit.rest.git.getTree({ owner: this.#c.owner, repo: this.#c.repo, tree_sha: sha }),
    );
    const entries = data.tree.map((e) => ({
      name: e.path ?? "",
      mode: mode(e.mode),
      sha: e.sha ?? "",
    }));
    this.#remember(sha, entries);
    return entries;
  }

  /** The entry at `path` below the tree `root` ("" is the root itself), or null. */
  async entryAt(root: string, path: string): Promise<TreeEntry | null> {
    let current: TreeEntry = { name: "", mode: "040000", sha: root };
    for (const part of path.split("/").filter(Boolean)) {
      if (current.mode !== "040000") return null;
      const next = (await this.tree(current.sha)).find((e) => e.name === part);
      if (!next) return null;
      current = next;
    }
    return current;
  }

  /** Every non-folder entry below a tree, path → SHA: one recursive read unless GitHub truncates it. */
  async files(sha: string): Promise<Map<string, string>> {
    const { data } = await this.#call(`reading tree ${sha}`, () =>
      this.#c.octokit.rest.git.getTree({
        owner: this.#c.owner,
        repo: this.#c.repo,
        tree_sha: sha,
        recursive: "1",
      }),
    );
    if (data.truncated) return this.#walk(sha, "", new Map());
    const out = new Map<string, string>();
    // The listing of each folder on the way, by its path, so later edits read nothing again.
    const dirs = new Map<string, { sha: string; entries: TreeEntry[] }>([
      ["", { sha, entries: [] }],
    ]);
    for (const e of data.tree) {
      if (!e.path || !e.sha) continue;
      const slash = e.path.lastIndexOf("/");
      const entry = { name: e.path.slice(slash + 1), mode: mode(e.mode), sha: e.sha };
      dirs.get(slash < 0 ? "" : e.path.slice(0, slash))?.entries.push(entry);
      if (entry.mode === "040000") dirs.set(e.path, { sha: e.sha, entries: [] });
      else out.set(e.path, e.sha);
    }
    for (const d of dirs.values()) this.#remember(d.sha, d.entries);
    return out;
  }

  async blob(sha: string): Promise<Buffer> {
    const { data } = await this.#call(`reading blob ${sha}`, () =>
      this.#c.octokit.rest.git.getBlob({ owner: this.#c.owner, repo: this.#c.repo, file_sha: sha }),
    );
    return Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8");
  }

  async #walk(sha: string, prefix: string, out: Map<string, string>): Promise<Map<string, string>> {
    for (const e of await this.tree(sha)) {
      if (e.mode === "040000") await this.#walk(e.sha, `${prefix}${e.name}/`, out);
      else out.set(`${prefix}${e.name}`, e.sha);
    }
    return out;
  }

  #remember(sha: string, entries: readonly TreeEntry[]): void {
    this.#trees.set(sha, entries);
    this.known.add(sha);
    for (const e of entries) this.known.add(e.sha);
  }

  async #call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw githubError(e, `${this.#c.owner}/${this.#c.repo}`, doing);
    }
  }
}

/** GitHub writes folder modes as `040000` (git itself as `40000`). */
function mode(m: string | undefined): EntryMode {
  if (m === "40000") return "040000";
  return m === "040000" || m === "120000" || m === "100755" || m === "160000" ? m : "100644";
}
