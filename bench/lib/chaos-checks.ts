/**
 * The end state a chaos run is judged by: every accepted trigger in exactly one finished run,
 * exactly one commit per succeeded run (none for an unchanged one), no run open, no source locks, no objects left in the
 * bucket. Reads the state database (psql), the status API, the bare repositories and the bucket.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { listKeys, type S3TestServer } from "./chaos-harness.ts";
import { psqlUrl } from "./chaos-pg.ts";

const execFileP = promisify(execFile);

export const OPEN_STATUSES = ["pending", "running", "publishing"] as const;
export const FINAL_STATUSES = ["succeeded", "unchanged", "partial", "failed"] as const;
const COMMITTING = new Set(["succeeded", "partial"]);

export class CheckError extends Error {
  override readonly name = "CheckError";
}

export interface AcceptedTrigger {
  readonly id: string;
  readonly target: string;
  readonly delivery: string;
  readonly at_s: number;
}

export interface TargetInfo {
  readonly name: string;
  readonly repo: string;
  readonly bare: string;
  readonly sourceDb: string;
  readonly sourceUrl: string;
}

export interface DbRun {
  readonly id: string;
  readonly target: string;
  readonly status: string;
  readonly error: string | null;
  readonly commit_sha: string | null;
  readonly backup_id: string | null;
  readonly snapshot_id: string | null;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly triggers: number;
}

export interface DbTrigger {
  readonly id: string;
  readonly target: string;
  readonly run_id: string | null;
}

/** Every run and trigger of the state database. */
export async function readState(
  stateUrl: string,
): Promise<{ runs: DbRun[]; triggers: DbTrigger[] }> {
  const runs = await psqlUrl(
    stateUrl,
    `select coalesce(json_agg(r order by r.created_at), '[]') from (
       select r.id, r.target, r.status, r.error, r.commit_sha, r.backup_id, r.snapshot_id,
              r.created_at, r.started_at, r.finished_at,
              (select count(*) from tablesnap.triggers t where t.run_id = r.id)::int as triggers
       from tablesnap.runs r) r`,
  );
  const triggers = await psqlUrl(
    stateUrl,
    `select coalesce(json_agg(json_build_object('id', id, 'target', target, 'run_id', run_id)), '[]')
     from tablesnap.triggers`,
  );
  return { runs: JSON.parse(runs) as DbRun[], triggers: JSON.parse(triggers) as DbTrigger[] };
}

interface ApiRun {
  readonly id: string;
  readonly status: string;
  readonly triggers: readonly { id: string }[];
}

/** Every run of `target` through the status API, page by page. */
export async function apiRuns(statusUrl: string, token: string, target: string): Promise<ApiRun[]> {
  const out: ApiRun[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const q = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const r = await fetch(`${statusUrl}/api/v1/targets/${target}/runs?limit=100${q}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (r.status !== 200)
      throw new CheckError(`GET runs of ${target}: ${r.status} ${await r.text()}`);
    const body = (await r.json()) as { runs: ApiRun[]; next_cursor: string | null };
    out.push(...body.runs);
    cursor = body.next_cursor;
    if (cursor === null) return out;
  }
  throw new CheckError(`more than 1000 pages of runs for ${target}`);
}

export interface Commit {
  readonly sha: string;
  readonly parents: readonly string[];
  readonly subject: string;
  readonly backupId: string | null;
}

/** The commits of the bare repository's HEAD, newest first; none when it has no commit yet. */
export async function branchCommits(bare: string): Promise<Commit[]> {
  let out: string;
  try {
    out = (
      await execFileP("git", ["-C", bare, "log", "--format=%H%x1f%P%x1f%B%x1e", "HEAD"], {
        maxBuffer: 64 << 20,
        timeout: 60_000,
      })
    ).stdout;
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? "");
    if (/does not have any commits|unknown revision|bad default revision/.test(stderr)) return [];
    throw e;
  }
  return out
    .split("\x1e")
    .map((r) => r.trim())
    .filter((r) => r !== "")
    .map((record) => {
      const [sha = "", parents = "", body = ""] = record.split("\x1f");
      return {
        sha,
        parents: parents.split(" ").filter((p) => p !== ""),
        subject: body.split("\n")[0] ?? "",
        backupId: /^Backup-Id: (\S+)\s*$/m.exec(body)?.[1] ?? null,
      };
    });
}

export interface SourceLocks {
  readonly db: string;
  readonly sessions: number;
  readonly locks: number;
  readonly idle_in_transaction: number;
  readonly detail: readonly unknown[];
}

/** tablesnap's sessions, locks and open transactions on a source database. */
export async function sourceLocks(t: TargetInfo): Promise<SourceLocks> {
  const db = t.sourceDb.replace(/'/g, "''");
  const json = await psqlUrl(
    t.sourceUrl,
    `select json_build_object(
       'sessions', (select count(*) from pg_stat_activity
                    where datname = '${db}' and application_name = 'tablesnap'),
       'locks', (select count(*) from pg_locks l join pg_stat_activity a using (pid)
                 where a.datname = '${db}' and a.application_name = 'tablesnap'),
       'idle_in_transaction', (select count(*) from pg_stat_activity
                               where datname = '${db}' and application_name = 'tablesnap'
                                 and state like 'idle in transaction%'),
       'detail', (select coalesce(json_agg(json_build_object('pid', a.pid, 'state', a.state,
                    'xact_start', a.xact_start, 'query', left(a.query, 120),
                    'locks', (select count(*) from pg_locks l where l.pid = a.pid))), '[]')
                  from pg_stat_activity a
                  where a.datname = '${db}' and a.application_name = 'tablesnap'
                    and (a.state <> 'idle' or exists (select 1 from pg_locks l where l.pid = a.pid))))`,
  );
  return { db: t.sourceDb, ...(JSON.parse(json) as Omit<SourceLocks, "db">) };
}

/** Strips ids, shas, numbers and times from an error, so equal causes group together. */
export function errorKind(error: string | null): string {
  return (error ?? "(no error text)")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/\b[0-9a-f]{40}\b/gi, "<sha>")
    .replace(/\b\d{4}-\d{2}-\d{2}T[\d:.]+Z\b/g, "<time>")
    .replace(/\b(run|snapshot)[-_ ]?[0-9A-Za-z]{10,}\b/g, "$1 <id>")
    .replace(/\b[0-9A-Z]{26}\b/g, "<id>")
    .replace(/\b\d+(\.\d+)?\b/g, "<n>")
    .slice(0, 300);
}

export interface TargetReport {
  readonly target: string;
  readonly repository: string;
  readonly runs: Record<string, number>;
  readonly commits_on_branch: number;
  readonly readme_commits: number;
  readonly run_commits: number;
  readonly clone_fsck_count: number | null;
}

export interface Verdict {
  readonly targets: TargetReport[];
  readonly accepted_triggers: number;
  readonly recorded_triggers: number;
  /** Triggers in the state database whose webhook got no 2xx (the ingress died answering, say). */
  readonly recorded_not_acknowledged: number;
  readonly runs_total: number;
  readonly runs_by_status: Record<string, number>;
  readonly failed_errors: Record<string, number>;
  readonly source_locks: readonly SourceLocks[];
  readonly bucket_objects: number;
  readonly bucket_objects_under_runs: number;
  readonly bucket_sample: readonly string[];
  /** Each is a broken invariant: name → offending items (ids, shas, keys). */
  readonly lost: Record<string, readonly unknown[]>;
  readonly ok: boolean;
}

/** Gathers the end state and names every broken invariant. */
export async function judge(o: {
  stateUrl: string;
  statusUrl: string;
  apiToken: string;
  targets: readonly TargetInfo[];
  accepted: readonly AcceptedTrigger[];
  s3: S3TestServer;
  bucket: string;
  cloneCommits: (bare: string) => Promise<{ count: number; head: string }>;
}): Promise<{ verdict: Verdict; runs: DbRun[] }> {
  const { runs, triggers } = await readState(o.stateUrl);
  const runById = new Map(runs.map((r) => [r.id, r]));
  const trigById = new Map(triggers.map((t) => [t.id, t]));
  const lost: Record<string, unknown[]> = {
    accepted_triggers_without_run: [],
    accepted_triggers_in_open_run: [],
    accepted_triggers_not_in_exactly_one_api_run: [],
    runs_open: [],
    commits_without_run: [],
    duplicate_commits_for_run: [],
    succeeded_runs_without_commit_on_branch: [],
    commit_count_mismatch: [],
    source_locks: [],
    source_idle_in_transaction: [],
    bucket_objects_left: [],
  };
  const push = (k: string, v: unknown) => {
    const list = lost[k];
    if (list) list.push(v);
  };

  // Every accepted trigger: recorded, on a run of its target, and that run final.
  for (const a of o.accepted) {
    const t = trigById.get(a.id);
    const run = t?.run_id ? runById.get(t.run_id) : undefined;
    if (!t || !run || run.target !== a.target) {
      push("accepted_triggers_without_run", { trigger: a.id, run: t?.run_id ?? null });
    } else if (!(FINAL_STATUSES as readonly string[]).includes(run.status)) {
      push("accepted_triggers_in_open_run", { trigger: a.id, run: run.id, status: run.status });
    }
  }
  // The same through the status API: each accepted trigger in exactly one run, the same run.
  const inApi = new Map<string, string[]>();
  for (const t of o.targets) {
    for (const r of await apiRuns(o.statusUrl, o.apiToken, t.name)) {
      for (const tr of r.triggers) inApi.set(tr.id, [...(inApi.get(tr.id) ?? []), r.id]);
    }
  }
  for (const a of o.accepted) {
    const where = inApi.get(a.id) ?? [];
    const dbRun = trigById.get(a.id)?.run_id ?? null;
    if (where.length !== 1 || where[0] !== dbRun) {
      push("accepted_triggers_not_in_exactly_one_api_run", {
        trigger: a.id,
        api_runs: where,
        dbRun,
      });
    }
  }
  for (const r of runs) {
    if ((OPEN_STATUSES as readonly string[]).includes(r.status)) {
      push("runs_open", { run: r.id, target: r.target, status: r.status });
    }
  }

  // Commits: the emulator's README commit (the first publish of an empty repository), then one
  // commit per succeeded or partial run, each naming its run in `Backup-Id:`.
  const targets: TargetReport[] = [];
  for (const t of o.targets) {
    const commits = await branchCommits(t.bare);
    const mine = runs.filter((r) => r.target === t.name);
    const byBackup = new Map<string, DbRun>();
    for (const r of mine) byBackup.set(r.backup_id ?? r.id, r);
    const seen = new Map<string, string[]>();
    let readme = 0;
    for (const c of commits) {
      if (c.backupId === null) {
        readme++;
        if (c.parents.length !== 0 || readme > 1) {
          push("commits_without_run", { repo: t.repo, commit: c.sha, subject: c.subject });
        }
        continue;
      }
      const run = byBackup.get(c.backupId);
      seen.set(c.backupId, [...(seen.get(c.backupId) ?? []), c.sha]);
      if (!run || !COMMITTING.has(run.status) || run.commit_sha !== c.sha) {
        push("commits_without_run", {
          repo: t.repo,
          commit: c.sha,
          backup_id: c.backupId,
          run_status: run?.status ?? null,
          run_commit: run?.commit_sha ?? null,
          run_error: run?.error ?? null,
        });
      }
    }
    for (const [backupId, shas] of seen) {
      if (shas.length > 1) push("duplicate_commits_for_run", { repo: t.repo, backupId, shas });
    }
    const onBranch = new Set(commits.map((c) => c.sha));
    const committing = mine.filter((r) => COMMITTING.has(r.status));
    // An `unchanged` run committed nothing; the commit it matched must be on the branch too.
    for (const r of mine.filter((x) => COMMITTING.has(x.status) || x.status === "unchanged")) {
      if (r.commit_sha === null || !onBranch.has(r.commit_sha)) {
        push("succeeded_runs_without_commit_on_branch", { run: r.id, commit: r.commit_sha });
      }
    }
    const expected = committing.length + (committing.length > 0 || readme > 0 ? 1 : 0);
    if (commits.length !== expected) {
      push("commit_count_mismatch", {
        repo: t.repo,
        commits: commits.length,
        expected,
        succeeded_or_partial: committing.length,
      });
    }
    const clone = commits.length > 0 ? await o.cloneCommits(t.bare) : null;
    if (clone !== null && clone.count !== commits.length) {
      push("commit_count_mismatch", { repo: t.repo, git_log: commits.length, clone: clone.count });
    }
    const byStatus: Record<string, number> = {};
    for (const r of mine) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    targets.push({
      target: t.name,
      repository: t.repo,
      runs: byStatus,
      commits_on_branch: commits.length,
      readme_commits: readme,
      run_commits: commits.length - readme,
      clone_fsck_count: clone?.count ?? null,
    });
  }

  const locks: SourceLocks[] = [];
  for (const t of o.targets) {
    const l = await sourceLocks(t);
    locks.push(l);
    if (l.locks > 0) push("source_locks", { db: l.db, locks: l.locks, detail: l.detail });
    if (l.idle_in_transaction > 0) {
      push("source_idle_in_transaction", { db: l.db, sessions: l.idle_in_transaction });
    }
  }

  const keys = await listKeys(o.s3, o.bucket);
  const underRuns = keys.filter((k) => k.startsWith("runs/"));
  for (const k of keys) push("bucket_objects_left", k);

  const runsByStatus: Record<string, number> = {};
  for (const r of runs) runsByStatus[r.status] = (runsByStatus[r.status] ?? 0) + 1;
  const failedErrors: Record<string, number> = {};
  for (const r of runs.filter((x) => x.status !== "succeeded" && x.status !== "unchanged")) {
    const k = `${r.status}: ${errorKind(r.error)}`;
    failedErrors[k] = (failedErrors[k] ?? 0) + 1;
  }
  const acceptedIds = new Set(o.accepted.map((a) => a.id));
  const verdict: Verdict = {
    targets,
    accepted_triggers: o.accepted.length,
    recorded_triggers: triggers.length,
    recorded_not_acknowledged: triggers.filter((t) => !acceptedIds.has(t.id)).length,
    runs_total: runs.length,
    runs_by_status: runsByStatus,
    failed_errors: failedErrors,
    source_locks: locks,
    bucket_objects: keys.length,
    bucket_objects_under_runs: underRuns.length,
    bucket_sample: keys.slice(0, 20),
    lost,
    ok: Object.values(lost).every((l) => l.length === 0),
  };
  return { verdict, runs };
}
