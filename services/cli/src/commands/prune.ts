import { UsageError } from "@tablesnap/core";
import {
  dropUnreachable,
  type ObjectSpace,
  objectSpace,
  openLocalRepo,
  type PruneResult,
  pruneHistory,
  repack,
} from "@tablesnap/publish";
import { parseFlags } from "../flags.ts";
import type { Output } from "../output.ts";
import { type BackupTarget, parseTarget } from "../target-args.ts";
import { openGitHubTarget } from "./github-target.ts";

export interface PruneArgs {
  readonly target: Exclude<BackupTarget, { kind: "git-remote" }>;
  readonly branch: string;
  readonly keep: number;
  readonly keepDays: number;
  readonly keepHistory: boolean;
  readonly forcePush: boolean;
  readonly gc: boolean;
  readonly dryRun: boolean;
  readonly json: boolean;
}

export interface PruneOutcome extends PruneResult {
  /** Local repositories: object space before and after (after: once unreachable objects went). */
  readonly space?: { readonly before: ObjectSpace; readonly after: ObjectSpace } | undefined;
}

export function parsePruneArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): PruneArgs {
  const { values } = parseFlags(
    argv,
    {
      repo: { type: "string" },
      github: { type: "string" },
      "github-api-url": { type: "string" },
      "git-remote": { type: "string" },
      branch: { type: "string" },
      keep: { type: "string" },
      "keep-days": { type: "string" },
      "keep-history": { type: "boolean" },
      "force-push": { type: "boolean" },
      gc: { type: "boolean" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
    },
    false,
  );
  const target = parseTarget(values, env);
  if (target.kind === "git-remote")
    throw new UsageError(
      "prune works on --repo DIR or --github OWNER/REPO; for another remote, prune a full clone and push it with git push --force-with-lease",
    );
  const forcePush = values["force-push"] ?? false;
  if (target.kind === "github" && !forcePush && !values["dry-run"])
    throw new UsageError(
      'rewriting a GitHub branch replaces it by force: give --force-push to do so (clones and forks keep the old history; see docs/operations.md "History rotation")',
    );
  return {
    target,
    branch: values.branch ?? "main",
    keep: count(values.keep, "--keep", 30),
    keepDays: count(values["keep-days"], "--keep-days", 30),
    keepHistory: values["keep-history"] ?? false,
    forcePush,
    gc: values.gc ?? false,
    dryRun: values["dry-run"] ?? false,
    json: values.json ?? false,
  };
}

function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number (got ${value})`);
  return Number(value);
}

/** The branch that keeps the old history (`--keep-history`). */
export function historyBranchName(branch: string, now: Date): string {
  return `tablesnap-history/${branch}/${now.toISOString().slice(0, 19).replaceAll(":", "-")}Z`;
}

export async function pruneCommand(args: PruneArgs, out: Output): Promise<PruneOutcome> {
  const now = new Date();
  const options = {
    branch: args.branch,
    keep: args.keep,
    keepDays: args.keepDays,
    historyBranch: args.keepHistory ? historyBranchName(args.branch, now) : null,
    now,
    dryRun: args.dryRun,
  };
  const t = args.target;
  if (t.kind === "github") {
    const repo = await openGitHubTarget(t, (line) => out.info(line));
    out.info(`reading the history of ${args.branch} in GitHub ${t.repository}`);
    return pruneHistory(repo, options);
  }
  const session = await openLocalRepo(t.dir, args.branch);
  try {
    if (session.created) throw new UsageError(`no backup repository at ${t.dir}`);
    const before = await objectSpace(session.dir);
    out.info(`reading the history of ${args.branch}`);
    const r = await pruneHistory(session.repo, options);
    if (r.squashed !== 0 && !args.dryRun) {
      out.info("removing what no branch reaches any more");
      await dropUnreachable(session.dir, args.branch);
      if (args.gc) {
        out.info("repacking (git gc)");
        await repack(session.dir);
      }
    }
    const after = await objectSpace(session.dir);
    await session.close();
    return { ...r, space: { before, after } };
  } catch (e) {
    await (session.created ? session.discard() : session.close());
    throw e;
  }
}

export function formatPrune(r: PruneOutcome, a: PruneArgs): string {
  const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
  const space = r.space
    ? `; objects ${mib(r.space.before.looseBytes + r.space.before.packBytes)} before, ${mib(r.space.after.looseBytes + r.space.after.packBytes)} after`
    : "";
  if (r.squashed === 0)
    return `nothing to prune: ${a.branch} holds ${r.kept} commit(s), all within the retention${space}`;
  const squashed = r.squashed === null ? "the older commits" : `${r.squashed} older commit(s)`;
  const kept = `${r.kept} commit(s) since ${r.keptSince}`;
  if (a.dryRun) return `would keep ${kept} and squash ${squashed} (dry run: nothing changed)`;
  const history = r.historyBranch ? `; the old history stays on ${r.historyBranch}` : "";
  return `pruned ${a.branch}: kept ${kept} on a new root, squashed ${squashed}${history}${space}`;
}
