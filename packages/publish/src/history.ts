import { GitError } from "./errors.ts";

/** Who made a commit, and when: ISO 8601 with the offset it was made in (`…+02:00`, `…Z`). */
export interface Signature {
  readonly name: string;
  readonly email: string;
  readonly date: string;
}

export interface CommitInfo {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly message: string;
  readonly author: Signature;
  readonly committer: Signature;
}

export type NewCommit = Omit<CommitInfo, "sha">;

/** What rewriting a branch's history needs: commits read and written, a branch moved by force. */
export interface HistoryRepo {
  commitInfo(sha: string): Promise<CommitInfo>;
  /** Writes a commit object; the branch does not move. */
  writeCommit(commit: NewCommit): Promise<string>;
  /**
   * Points `branch` at `sha` whether or not that is a fast forward, if it still points at
   * `expected` (null: the branch must not exist yet); else BranchMovedError.
   */
  forceBranch(branch: string, sha: string, expected: string | null): Promise<void>;
  /** Commits reachable from `sha` (itself included), where that is cheap to learn. */
  countCommits?(sha: string): Promise<number>;
}

export interface PruneOptions {
  readonly branch: string;
  /** Commits to keep at least (the newest); 0 for no limit by count. */
  readonly keep: number;
  /** Keep every commit younger than this many days; 0 for no limit by age. */
  readonly keepDays: number;
  /** Keep the old history on this branch (null: it becomes unreachable). */
  readonly historyBranch: string | null;
  readonly now: Date;
  /** Compute what would change, write nothing. */
  readonly dryRun?: boolean | undefined;
}

export interface PruneResult {
  /** Commits kept on the branch (rewritten on top of a new root). */
  readonly kept: number;
  /**
   * Commits squashed away (history before the oldest kept commit); 0: nothing to do; null:
   * some, but counting them would cost a request each (GitHub).
   */
  readonly squashed: number | null;
  readonly oldHead: string | null;
  readonly newHead: string | null;
  /** The oldest kept commit's committer date. */
  readonly keptSince: string | null;
  readonly historyBranch: string | null;
}

const DAY_MS = 86_400_000;

/**
 * Squashes a branch's history older than the retention: the oldest commit to keep becomes a new
 * root commit with the same tree, and every newer one is written again on top of it with its
 * tree, message, author and dates, so the backups kept are byte for byte what they were. Only
 * the commits kept are read (and one more to know there is older history). The branch moves
 * once, compare-and-swap on the head it started from. The old history stays reachable only from
 * `historyBranch`, when given.
 */
export async function pruneHistory(
  repo: HistoryRepo & { head(branch: string): Promise<string | null> },
  o: PruneOptions,
): Promise<PruneResult> {
  const head = await repo.head(o.branch);
  const none = { kept: 0, squashed: 0, oldHead: head, newHead: head, keptSince: null };
  if (!head) return { ...none, historyBranch: null };
  const kept = await commitsToKeep(repo, head, o);
  const oldest = kept.at(-1);
  if (!oldest || oldest.parents.length === 0)
    return {
      ...none,
      kept: kept.length,
      keptSince: oldest?.committer.date ?? null,
      historyBranch: null,
    };
  const parentOfOldest = oldest.parents[0];
  const squashed =
    parentOfOldest && repo.countCommits ? await repo.countCommits(parentOfOldest) : null;
  const result = {
    kept: kept.length,
    squashed,
    oldHead: head,
    keptSince: oldest.committer.date,
    historyBranch: o.historyBranch,
  };
  if (o.dryRun) return { ...result, newHead: head };
  let parent: string | null = null;
  for (const c of [...kept].reverse()) {
    const message =
      parent === null
        ? `${c.message.trimEnd()}\n\n${squashNote(squashed, c.sha, o.now)}\n`
        : c.message;
    parent = await repo.writeCommit({
      ...{ tree: c.tree, parents: parent === null ? [] : [parent] },
      ...{ message, author: c.author, committer: c.committer },
    });
  }
  if (!parent) throw new GitError("nothing was written");
  if (o.historyBranch) await repo.forceBranch(o.historyBranch, head, null);
  await repo.forceBranch(o.branch, parent, head);
  return { ...result, newHead: parent };
}

/** The commits to keep, newest first: the newest `keep`, and every one younger than `keepDays`. */
async function commitsToKeep(
  repo: HistoryRepo,
  head: string,
  o: PruneOptions,
): Promise<CommitInfo[]> {
  const cutoff = o.keepDays > 0 ? o.now.getTime() - o.keepDays * DAY_MS : Number.POSITIVE_INFINITY;
  const kept: CommitInfo[] = [];
  let sha: string | undefined = head;
  while (sha) {
    const c = await repo.commitInfo(sha);
    const young = Date.parse(c.committer.date) >= cutoff;
    if (kept.length >= Math.max(o.keep, 1) && !young) break;
    if (c.parents.length > 1)
      throw new GitError(
        `commit ${c.sha} on ${o.branch} is a merge: prune rewrites only a linear backup history`,
      );
    kept.push(c);
    sha = c.parents[0];
  }
  return kept;
}

function squashNote(squashed: number | null, original: string, now: Date): string {
  const what = squashed === null ? "The commits" : `The ${squashed} commit(s)`;
  return `History squashed by tablesnap prune on ${now.toISOString()}: ${what} before ${original} are no longer on this branch.`;
}
