/**
 * `pnpm bench:growth [--backups N] [--churn-pct P] [--maintenance none|repack|prune] [--every K]
 * [--window W] [--keep K]`: N backups of pgbench scale 20 into one local repository, with P % of
 * pgbench_accounts' rows updated before each (default 30 backups, 1 %). After each backup it
 * prints the repository's object size (`git count-objects -v`: loose + packed) and runs the
 * maintenance asked for, timed apart from the backup:
 *   none    nothing;
 *   repack  `git repack -a -d --window=W` every K backups (git's own delta search);
 *   prune   `tablesnap prune --keep K --keep-days 0` after every backup (history rotation), the
 *           backups keeping K archives (`--keep K --keep-days 0`) to match.
 * With `--git-remote`, each backup is pushed into a bare repository instead (no maintenance).
 * The figures: the final size over the first backup's, and maintenance time over backup time.
 * JSON goes to .bench/growth-<time>.json.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLI, commandLine, ROOT, RUN_TIMEOUT_MS, tablesnap } from "./lib/commands.ts";
import { databaseUrl, ensurePgbenchDb, psql } from "./lib/db.ts";
import { kbToMb, log, round1, round3, sec } from "./lib/format.ts";
import { measure } from "./lib/measure.ts";
import { hostInfo, intOption, writeReport } from "./lib/report.ts";

const DB = "tablesnap_bench_s20";
const SCALE = 20;
/** Issue 13: after 30 backups the repository is at most 1.5× one backup… */
const TARGET_SIZE_RATIO = 1.5;
/** …with maintenance costing at most 20 % of the backups' time. */
const TARGET_MAINTENANCE_SHARE = 0.2;

const { values } = parseArgs({
  options: {
    backups: { type: "string", default: "30" },
    "churn-pct": { type: "string", default: "1" },
    maintenance: { type: "string", default: "none" },
    every: { type: "string", default: "10" },
    window: { type: "string", default: "10" },
    keep: { type: "string", default: "5" },
    "git-remote": { type: "boolean", default: false },
  },
});
const remote = values["git-remote"];
const backups = intOption("backups", values.backups, 2, 1000);
const churnPct = Number(values["churn-pct"]);
if (!(churnPct >= 0 && churnPct <= 100)) throw new Error("--churn-pct must be from 0 to 100");
const maintenance = values.maintenance;
if (maintenance !== "none" && maintenance !== "repack" && maintenance !== "prune")
  throw new Error("--maintenance must be none, repack or prune");
if (remote && maintenance !== "none")
  throw new Error("--git-remote measures pushes: no maintenance");
const every = intOption("every", values.every, 1, 1000);
const window = intOption("window", values.window, 0, 250);
const keep = intOption("keep", values.keep, 1, 1000);

interface Step {
  readonly backup: number;
  readonly backup_ms: number;
  readonly peak_rss_mb: number;
  readonly maintenance_ms: number;
  readonly objects_bytes: number;
}

function objectsBytes(repo: string): number {
  const out = execFileSync("git", ["-C", repo, "count-objects", "-v"]).toString();
  const kib = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  return (kib("size") + kib("size-pack")) * 1024;
}

/** Updates `pct` % of pgbench_accounts' rows (random ones), as a busy day would. */
async function churn(pct: number): Promise<void> {
  const rows = Math.round((SCALE * 100_000 * pct) / 100);
  await psql(
    DB,
    `update pgbench_accounts set abalance = abalance + 1 where aid in (select (random() * ${SCALE * 100_000 - 1})::int + 1 from generate_series(1, ${rows}))`,
  );
}

async function maintain(repo: string, n: number): Promise<number> {
  if (maintenance === "repack" && n % every === 0) {
    const args = ["-C", repo, "repack", "-a", "-d", "-q", `--window=${window}`];
    return (await measure("git", args, { timeoutMs: RUN_TIMEOUT_MS })).ms;
  }
  if (maintenance === "prune") {
    const args = [CLI, "prune", "--repo", repo, "--keep", String(keep), "--keep-days", "0"];
    return (await measure(process.execPath, args, { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS })).ms;
  }
  return 0;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  await ensurePgbenchDb(DB, SCALE);
  const work = await mkdtemp(join(tmpdir(), "tablesnap-bench-growth-"));
  const repo = join(work, "repo");
  // History rotation frees only what no kept commit's tree holds: the archives' retention matches.
  const retention = maintenance === "prune" ? ["--keep", String(keep), "--keep-days", "0"] : [];
  const options = ["--no-custom-dump", "--jobs", "2", "--quiet", ...retention];
  // --git-remote: each backup is pushed into a bare repository, whose size is what is measured.
  if (remote) execFileSync("git", ["init", "-q", "--bare", "-b", "main", repo]);
  const backup: readonly [string, readonly string[]] = remote
    ? [
        process.execPath,
        [
          CLI,
          "backup",
          "--database-url",
          databaseUrl(DB),
          "--git-remote",
          repo,
          "--work-dir",
          join(work, "stage"),
          ...options,
        ],
      ]
    : tablesnap(DB, options)(repo);
  log(`${backups} backups of ${DB}, ${churnPct} % of pgbench_accounts updated before each`);
  log(`backup: ${commandLine(backup)}; maintenance: ${describe()}`);
  const steps: Step[] = [];
  try {
    for (let n = 1; n <= backups; n++) {
      if (n > 1) await churn(churnPct);
      const b = await measure(backup[0], backup[1], { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS });
      const m = await maintain(repo, n);
      const step = {
        backup: n,
        backup_ms: round1(b.ms),
        peak_rss_mb: kbToMb(b.peakKb),
        maintenance_ms: round1(m),
        objects_bytes: objectsBytes(repo),
      };
      steps.push(step);
      log(
        `  #${String(n).padStart(2)}  backup ${sec(step.backup_ms)} s  maintenance ${sec(step.maintenance_ms)} s  ` +
          `repository ${(step.objects_bytes / 1048576).toFixed(2)} MiB`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const first = steps[0]?.objects_bytes ?? 1;
  const last = steps.at(-1)?.objects_bytes ?? 0;
  const backupMs = steps.reduce((s, x) => s + x.backup_ms, 0);
  const maintenanceMs = steps.reduce((s, x) => s + x.maintenance_ms, 0);
  const sizeRatio = last / first;
  const share = maintenanceMs / backupMs;
  const verdict = (ok: boolean) => (ok ? "met" : "missed");
  log(
    `\nrepository after ${backups} backups: ${(last / 1048576).toFixed(2)} MiB = ${sizeRatio.toFixed(2)}x the first backup's ${(first / 1048576).toFixed(2)} MiB ` +
      `(target <= ${TARGET_SIZE_RATIO}x: ${verdict(sizeRatio <= TARGET_SIZE_RATIO)})`,
  );
  log(
    `maintenance ${sec(maintenanceMs)} s = ${(share * 100).toFixed(1)} % of the backups' ${sec(backupMs)} s ` +
      `(target <= ${TARGET_MAINTENANCE_SHARE * 100} %: ${verdict(share <= TARGET_MAINTENANCE_SHARE)})`,
  );
  await writeReport("growth", startedAt, {
    started_at: startedAt.toISOString(),
    host: hostInfo(),
    database: DB,
    options: { backups, churn_pct: churnPct, maintenance, every, window, keep },
    steps,
    first_bytes: first,
    final_bytes: last,
    size_ratio: round3(sizeRatio),
    backup_ms: round1(backupMs),
    maintenance_ms: round1(maintenanceMs),
    maintenance_share: round3(share),
  });
}

function describe(): string {
  if (maintenance === "repack") return `git repack -a -d --window=${window} every ${every} backups`;
  if (maintenance === "prune") return `tablesnap prune --keep ${keep} --keep-days 0 after each`;
  return "none";
}

await main();
