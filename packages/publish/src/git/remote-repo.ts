import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BranchMovedError, GitRemoteError, ProtectedBranchError } from "../errors.ts";
import type { BackupRepo, CommitRequest, CommitResult, TreeEntry } from "../types.ts";
import { git } from "./git.ts";
import { LocalGitRepo } from "./local-repo.ts";

/**
 * A BackupRepo on any git remote (GitHub with an installation token in the URL, GitLab, Gitea,
 * a bare repository path), over the git protocol: the branch head is fetched (depth 1) into a
 * temporary bare repository, the commit is built there by the local adapter, and pushed without
 * force. A rejected push (the branch moved) is a BranchMovedError: publishBackup fetches again
 * and rebuilds on top. No API limits apply, so this suits first backups too big for the REST API.
 */
export class GitRemoteRepo implements BackupRepo {
  readonly url: string;
  readonly dir: string;
  readonly #local: LocalGitRepo;

  private constructor(url: string, dir: string) {
    this.url = url;
    this.dir = dir;
    this.#local = new LocalGitRepo(dir);
  }

  /** Makes the temporary repository under `parent` (default: the system's temp folder). */
  static async open(url: string, parent = tmpdir()): Promise<GitRemoteRepo> {
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(join(parent, "tablesnap-remote-"));
    await git(dir, ["init", "-q", "--bare"]);
    return new GitRemoteRepo(absoluteRemote(url), dir);
  }

  /** Removes the temporary repository. */
  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  async head(branch: string): Promise<string | null> {
    const ref = `refs/heads/${branch}`;
    const listed = await git(this.dir, ["ls-remote", "--", this.url, ref], { allowFail: true });
    if (listed.code !== 0) throw this.#failure("read", listed.stderr);
    const sha = listed.stdout.toString().split("\n")[0]?.split("\t")[0];
    if (!sha) return null;
    const have = await git(this.dir, ["cat-file", "-e", `${sha}^{commit}`], { allowFail: true });
    if (have.code === 0) return sha;
    const fetched = await git(
      this.dir,
      ["fetch", "-q", "--no-tags", "--depth=1", "--", this.url, `+${ref}:refs/tablesnap/remote`],
      { allowFail: true },
    );
    if (fetched.code !== 0) throw this.#failure("fetch from", fetched.stderr);
    // The branch may have moved since ls-remote: what was fetched is the head now.
    return (await git(this.dir, ["rev-parse", "refs/tablesnap/remote"])).stdout.toString().trim();
  }

  treeOf(commit: string): Promise<string> {
    return this.#local.treeOf(commit);
  }

  listTree(commit: string, path: string): Promise<TreeEntry[] | null> {
    return this.#local.listTree(commit, path);
  }

  readFile(commit: string, path: string): Promise<Uint8Array | null> {
    return this.#local.readFile(commit, path);
  }

  listFiles(commit: string, path: string): Promise<Map<string, string> | null> {
    return this.#local.listFiles(commit, path);
  }

  async commit(req: CommitRequest): Promise<CommitResult> {
    // The temporary repository's branch is ours alone: put it where the remote was.
    const ref = `refs/heads/${req.branch}`;
    if (req.parent) await git(this.dir, ["update-ref", ref, req.parent]);
    else await git(this.dir, ["update-ref", "-d", ref], { allowFail: true });
    const r = await this.#local.commit(req);
    // No delta search for blobs over 1 MiB, as in fast-import: a table's data part is never
    // found a base by path (the latest folder is named by its time), and the search cost 20 s a
    // push for pgbench scale 20 to make the pack 0.7 MB smaller.
    const pushed = await git(
      this.dir,
      [
        ...["-c", "core.bigFileThreshold=1m", "push", "--porcelain", "--no-verify"],
        ...["--", this.url, `${r.commit}:${ref}`],
      ],
      { allowFail: true },
    );
    if (pushed.code === 0) return r;
    const line = pushed.stdout
      .toString()
      .split("\n")
      .find((l) => l.startsWith("!"));
    const reason = line?.split("\t")[2] ?? "";
    if (/^\[rejected\]/.test(reason)) {
      // non-fast-forward, fetch first, stale info: someone else pushed meanwhile.
      throw new BranchMovedError(req.branch, { context: { detail: reason } });
    }
    if (/protected|declined/i.test(reason))
      throw new ProtectedBranchError(
        `${redact(this.url)} refused the push to ${req.branch}: ${reason}; let these credentials push to it, or publish to another --branch`,
      );
    throw this.#failure("push to", reason || pushed.stderr);
  }

  #failure(what: string, stderr: string): GitRemoteError {
    const last = stderr.trim().split("\n").filter(Boolean).at(-1) ?? "git failed";
    return new GitRemoteError(`cannot ${what} ${redact(this.url)}: ${redact(last)}`, {
      retriable: true,
    });
  }
}

/**
 * A remote as git reads it from anywhere: URLs (`https://…`) and scp-like `host:path` as given, a
 * relative path made absolute (git runs in the temporary repository, not where we were called).
 */
export function absoluteRemote(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  if (/^[^/\\]{2,}:/.test(url)) return url; // host:path, user@host:path
  return resolve(url);
}

/** A URL with its password or token replaced, for messages. */
export function redact(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(:[^/@\s]*)?@/gi, "$1***@");
}
