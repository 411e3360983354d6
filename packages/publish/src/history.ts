import { BranchMovedError, GitError } from "./errors.ts";

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
  /** Stops the rotation between two commits (its time bound); the branch is then unchanged. */
  readonly signal?: AbortSignal | undefined;
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
 * once, compare-and-swap on the head it started from; backups committed meanwhile are first
 * written again on top. The old history stays reachable only from `historyBranch`, when given.
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
  const rootNote = `\n\n${squashNote(squashed, oldest.sha, o.now)}\n`;
  let newHead = await rewrite(repo, [...kept].reverse(), null, rootNote, o.signal);
  // Backups committed while the history was written are written again on top, then the branch
  // moves (compare-and-swap); a few times at most.
  let expected = head;
  let landedTotal = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await repo.forceBranch(o.branch, newHead, expected);
      break;
    } catch (e) {
      if (!(e instanceof BranchMovedError) || attempt >= CATCH_UP_ATTEMPTS) throw e;
      const now = await repo.head(o.branch);
      if (!now) throw e;
      const landed = await commitsSince(repo, now, expected, o);
      newHead = await rewrite(repo, landed, newHead, "", o.signal);
      landedTotal += landed.length;
      expected = now;
    }
  }
  // After the branch moved: a failure here leaves the old history unnamed, and says where it is.
  if (o.historyBranch)
    await repo.forceBranch(o.historyBranch, head, null).catch((e: unknown) => {
      throw new GitError(
        `${o.branch} was rotated, but the branch ${o.historyBranch} for its old history (${head}) could not be made: ${e instanceof Error ? e.message : String(e)}`,
      );
    });
  return { ...result, kept: result.kept + landedTotal, newHead };
}

/** How often a rotation writes the backups that landed meanwhile on top before it gives up. */
const CATCH_UP_ATTEMPTS = 3;

/** Writes `commits` (oldest first) again on top of `parent`; the first gets `note` if a root. */
async function rewrite(
  repo: HistoryRepo,
  commits: readonly CommitInfo[],
  parent: string | null,
  note: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  let top = parent;
  for (const c of commits) {
    signal?.throwIfAborted();
    const message = top === null ? `${c.message.trimEnd()}${note}` : c.message;
    top = await repo.writeCommit({
      ...{ tree: c.tree, parents: top === null ? [] : [top] },
      ...{ message, author: c.author, committer: c.committer },
    });
  }
  if (top === null) throw new GitError("nothing was written");
  return top;
}

/** The commits after `since` up to `head`, oldest first; a merge or a foreign history is refused. */
async function commitsSince(
  repo: HistoryRepo,
  head: string,
  since: string,
  o: PruneOptions,
): Promise<CommitInfo[]> {
  const out: CommitInfo[] = [];
  for (let sha: string | undefined = head; sha !== since; ) {
    if (!sha || out.length >= 1000)
      throw new BranchMovedError(o.branch, {
        context: { detail: "the branch was replaced meanwhile, not extended" },
      });
    const c = await linearCommit(repo, sha, o);
    out.push(c);
    sha = c.parents[0];
  }
  return out.reverse();
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
    const c = await linearCommit(repo, sha, o);
    const young = Date.parse(c.committer.date) >= cutoff;
    if (kept.length >= Math.max(o.keep, 1) && !young) break;
    kept.push(c);
    sha = c.parents[0];
  }
  return kept;
}

/** A commit of the branch; a merge is refused (only a linear history is rewritten). */
async function linearCommit(repo: HistoryRepo, sha: string, o: PruneOptions): Promise<CommitInfo> {
  o.signal?.throwIfAborted();
  const c = await repo.commitInfo(sha);
  if (c.parents.length > 1)
    throw new GitError(
      `commit ${c.sha} on ${o.branch} is a merge: prune rewrites only a linear backup history`,
    );
  return c;
}

function squashNote(squashed: number | null, original: string, now: Date): string {
  const what = squashed === null ? "The commits" : `The ${squashed} commit(s)`;
  return `History squashed by tablesnap prune on ${now.toISOString()}: ${what} before ${original} are no longer on this branch.`;
}
