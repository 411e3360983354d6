/**
 * `pnpm bench:restore [--rounds N] [--warmup N] [--only A,B]`: times a whole-database
 * `tablesnap restore` against `pg_restore -j 2` of a `pg_dump -Fd -Z0` of the same pgbench
 * database, alternating them, each into a new empty database; then the same for the Pagila-size
 * database of bench:dump (A and B only). Figures go to stdout and to .bench/restore-<time>.json.
 */
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { commandLine, ROOT, RUN_TIMEOUT_MS } from "./lib/commands.ts";
import {
  createEmptyDatabase,
  dropDatabase,
  ensurePgbenchDb,
  PGBENCH_TABLES,
  psql,
  rowCounts,
} from "./lib/db.ts";
import { kbToMb, log, round1, round3, sec } from "./lib/format.ts";
import { measure, median, type RunResult } from "./lib/measure.ts";
import { hostInfo, intOption, printTimes, writeReport } from "./lib/report.ts";
import {
  checkRowCounts,
  makeSources,
  pgRestore,
  pgVersions,
  type RestoreInto,
  type Sources,
  tablesnapRestore,
} from "./lib/restore-commands.ts";
import { smallRestoreRun } from "./lib/small-restore.ts";

const DB = "tablesnap_bench_s20";
const SCALE = 20;
/** Every restore goes into this database, created empty just before and dropped just after. */
const TARGET_DB = "tablesnap_bench_restore";
/** Issue 13: a whole restore of pgbench scale 20 within 1.15× pg_restore -j2. */
const TARGET_RATIO = 1.15;

type Key = "A" | "B" | "C";
const KEYS: readonly Key[] = ["A", "B", "C"];

const VARIANTS: readonly { key: Key; label: string; command: (s: Sources) => RestoreInto }[] = [
  {
    key: "A",
    label: "tablesnap restore --jobs 2",
    command: (s) => tablesnapRestore(s.backup, ["--jobs", "2", "--quiet"]),
  },
  { key: "B", label: "pg_restore -j 2", command: (s) => pgRestore(s.dumpDir) },
  {
    key: "C",
    label: "tablesnap restore (default)",
    command: (s) => tablesnapRestore(s.backup, ["--quiet"]),
  },
];

function parseOptions(): { rounds: number; warmup: number; only: readonly Key[] } {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      only: { type: "string", default: KEYS.join(",") },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    log(
      "usage: node bench/restore.ts [--rounds N (1-50, default 5)] [--warmup N (0-3, default 1)]\n" +
        "  [--only A,B: run only these variants (A tablesnap --jobs 2, B pg_restore -j 2,\n" +
        "   C tablesnap default); ratios need B]",
    );
    process.exit(0);
  }
  const only = values.only.split(",").map((k) => k.trim().toUpperCase());
  const unknown = only.filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length > 0 || only.length === 0) {
    throw new Error(`--only takes a comma-separated list of A, B, C, not ${values.only}`);
  }
  return {
    rounds: intOption("rounds", values.rounds, 1, 50),
    warmup: intOption("warmup", values.warmup, 0, 3),
    only: KEYS.filter((k) => only.includes(k)),
  };
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const startedAt = new Date();
  const host = hostInfo();
  const work = await mkdtemp(join(tmpdir(), "tablesnap-bench-restore-"));
  // an interrupted run leaves TARGET_DB behind; the next run drops it before its first restore
  const cleanUp = () => rmSync(work, { recursive: true, force: true });
  process.once("SIGINT", () => {
    cleanUp();
    process.exit(130);
  });
  try {
    await ensurePgbenchDb(DB, SCALE);
    const expected = await rowCounts(DB, PGBENCH_TABLES);
    log("setup, once and untimed:");
    const sources = await makeSources(DB, work);
    const variants = VARIANTS.filter((v) => opts.only.includes(v.key));
    const commands = new Map(variants.map((v) => [v.key, v.command(sources)(TARGET_DB)]));
    log(`commands (each restores into ${TARGET_DB}, created empty from template0 just before):`);
    for (const [key, c] of commands) log(`  ${key}: ${commandLine(c)}`);

    const runs: Record<Key, RunResult[]> = { A: [], B: [], C: [] };
    const warmups: Record<Key, RunResult[]> = { A: [], B: [], C: [] };
    for (let round = 1; round <= opts.warmup + opts.rounds; round++) {
      const warm = round <= opts.warmup;
      const name = warm ? `warm-up ${round}` : `round ${round - opts.warmup}/${opts.rounds}`;
      for (const v of variants) {
        const [cmd, args] = commands.get(v.key) ?? v.command(sources)(TARGET_DB);
        await createEmptyDatabase(TARGET_DB);
        const r = await measure(cmd, args, { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS });
        await checkRowCounts(TARGET_DB, expected, `${name} ${v.key} ${v.label}`);
        await dropDatabase(TARGET_DB);
        // each restore starts a new checkpoint cycle, not one the earlier runs' WAL brought on
        await psql("postgres", "checkpoint");
        log(`${name} ${v.key} ${v.label}: ${sec(r.ms)} s, peak ${kbToMb(r.peakKb)} MB, rows ok`);
        (warm ? warmups : runs)[v.key].push(r);
      }
    }

    const ran = (k: Key) => opts.only.includes(k);
    const med = (k: Key) => median(runs[k].map((r) => r.ms));
    const ratio = (k: Key) => (ran(k) && ran("B") ? med(k) / med("B") : undefined);
    const peakMb = (k: Key) => kbToMb(Math.max(...runs[k].map((r) => r.peakKb)));
    const perVariant = <T>(f: (k: Key) => T) => Object.fromEntries(opts.only.map((k) => [k, f(k)]));
    const ratioText = (k: Key): string => {
      const r = ratio(k);
      if (r === undefined) return "-";
      return k === "A"
        ? `${r.toFixed(2)} ${r <= TARGET_RATIO ? "ok" : `> ${TARGET_RATIO}`}`
        : r.toFixed(2);
    };
    log(`\n${opts.rounds} rounds, ${DB} (pgbench -s ${SCALE}); times in seconds`);
    printTimes(
      "vs pg_restore",
      variants.map((v) => ({
        label: `${v.key} ${v.label}`,
        ms: runs[v.key].map((r) => r.ms),
        ratio: ratioText(v.key),
        peak: `${peakMb(v.key)} MB${v.key === "B" ? "*" : ""}`,
      })),
    );
    log(
      `target: A/B <= ${TARGET_RATIO}. Not timed: creating and dropping the database, the row ` +
        "count check. * pg_restore's main process only (its -j workers are separate processes)",
    );

    const ratioOrNull = (k: Key) => {
      const r = ratio(k);
      return r === undefined ? null : round3(r);
    };
    const small = await smallRestoreRun(work, opts.rounds);
    await writeReport("restore", startedAt, {
      created_at: startedAt.toISOString(),
      host: { ...host, postgres: await pgVersions() },
      loadavg_end: loadavg(),
      database: DB,
      pgbench_scale: SCALE,
      source_row_counts: Object.fromEntries(expected),
      target_database: TARGET_DB,
      rounds: opts.rounds,
      warmup_rounds: opts.warmup,
      variants: opts.only,
      setup: sources.setup,
      commands: perVariant((k) => commandLine(commands.get(k) ?? ["", []])),
      warmup_wall_ms: perVariant((k) => warmups[k].map((r) => round1(r.ms))),
      wall_ms: perVariant((k) => runs[k].map((r) => round1(r.ms))),
      median_ms: perVariant((k) => round1(med(k))),
      ratio: {
        A_over_B: ratioOrNull("A"),
        C_over_B: ratioOrNull("C"),
        target_A_over_B: TARGET_RATIO,
      },
      /** VmHWM of the spawned process; for B pg_restore's main process only. */
      peak_rss_mb: perVariant(peakMb),
      small,
    });
  } finally {
    await dropDatabase(TARGET_DB).catch(() => undefined);
    cleanUp();
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench:restore: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
