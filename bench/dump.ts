/**
 * `pnpm bench:dump [--rounds N] [--warmup N] [--big] [--encrypt]`: times `tablesnap backup`
 * against `pg_dump -Fd -j 2 -Z0` of the same pgbench database, alternating them, and records the
 * peak memory of the tablesnap process. With `--encrypt`, C is A with every table's data
 * encrypted (age), so C/A is what encryption costs. Figures go to stdout and to
 * .bench/dump-<time>.json.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  bigRun,
  type CommandFor,
  commandLine,
  newRecipient,
  pgDump,
  phaseRun,
  ROOT,
  RUN_TIMEOUT_MS,
  TARGET_PEAK_MB,
  tablesnap,
} from "./lib/commands.ts";
import { churn, ensurePgbenchDb } from "./lib/db.ts";
import { kbToMb, log, round1, round3, sec } from "./lib/format.ts";
import { HeldWatch } from "./lib/held.ts";
import { measure, median, type RunResult } from "./lib/measure.ts";
import { hostInfo, intOption, printTimes, writeReport } from "./lib/report.ts";
import { smallRun } from "./lib/small-run.ts";

const DB = "tablesnap_bench_s20";
const SCALE = 20;
/** Issue 13: an unchanged backup of pgbench scale 20 within 1.5× pg_dump -Fd -j2 -Z0. */
const TARGET_RATIO = 1.5;

type Key = "A" | "B" | "C";
type PerVariant<T> = Record<Key, T>;

const TABLESNAP_NO_CUSTOM = tablesnap(DB, ["--no-custom-dump", "--jobs", "2", "--quiet"]);
const TABLESNAP_DEFAULT = tablesnap(DB, ["--jobs", "2", "--quiet"]);

function variants(recipient: string | undefined) {
  const c = recipient
    ? {
        label: "tablesnap --no-custom-dump, encrypted",
        command: tablesnap(DB, [
          "--no-custom-dump",
          "--jobs",
          "2",
          "--quiet",
          "--encrypt-to",
          recipient,
        ]),
      }
    : { label: "tablesnap (default)", command: TABLESNAP_DEFAULT };
  const list: readonly { key: Key; label: string; command: CommandFor }[] = [
    { key: "A", label: "tablesnap --no-custom-dump", command: TABLESNAP_NO_CUSTOM },
    { key: "B", label: "pg_dump -Fd -j 2 -Z0", command: pgDump(DB) },
    { key: "C", ...c },
  ];
  return list;
}

function parseOptions(): {
  rounds: number;
  warmup: number;
  big: boolean;
  churn: number;
  encrypt: boolean;
} {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      big: { type: "boolean", default: false },
      churn: { type: "string", default: "0" },
      encrypt: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    log(
      "usage: node bench/dump.ts [--rounds N (1-50, default 5)] [--warmup N (0-3)] [--big]\n" +
        "  [--churn T: run T pgbench transactions before every round, so each backup sees changed data]\n" +
        "  [--encrypt: C is A with every table's data encrypted with age; --big adds an encrypted run]",
    );
    process.exit(0);
  }
  return {
    rounds: intOption("rounds", values.rounds, 1, 50),
    warmup: intOption("warmup", values.warmup, 0, 3),
    big: values.big,
    churn: intOption("churn", values.churn, 0, 1_000_000),
    encrypt: values.encrypt,
  };
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const recipient = opts.encrypt ? newRecipient() : undefined;
  const VARIANTS = variants(recipient);
  const startedAt = new Date();
  const host = hostInfo();
  const work = await mkdtemp(join(tmpdir(), "tablesnap-bench-"));
  const cleanUp = () => rmSync(work, { recursive: true, force: true });
  process.once("SIGINT", () => {
    cleanUp();
    process.exit(130);
  });
  try {
    await ensurePgbenchDb(DB, SCALE);
    const out: PerVariant<string> = {
      A: join(work, "repo-a"),
      B: join(work, "pg_dump-out"),
      C: join(work, "repo-c"),
    };
    log(
      "commands (each repository is new for this run; a round whose data did not change commits nothing):",
    );
    for (const v of VARIANTS) log(`  ${v.key}: ${commandLine(v.command(out[v.key]))}`);

    const runs: PerVariant<RunResult[]> = { A: [], B: [], C: [] };
    /** Per timed round: how long each command held the source (see HeldWatch). */
    const held: PerVariant<number[]> = { A: [], B: [], C: [] };
    const warmups: PerVariant<RunResult[]> = { A: [], B: [], C: [] };
    for (let round = 1; round <= opts.warmup + opts.rounds; round++) {
      const warm = round <= opts.warmup;
      const name = warm ? `warm-up ${round}` : `round ${round - opts.warmup}/${opts.rounds}`;
      if (opts.churn > 0 && round > 1) await churn(DB, opts.churn);
      for (const v of VARIANTS) {
        const [cmd, args] = v.command(out[v.key]);
        const watch = new HeldWatch(DB);
        const r = await measure(cmd, args, { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS }).catch(
          async (e: unknown) => {
            await watch.stop();
            throw e;
          },
        );
        const heldMs = await watch.stop();
        if (!warm) held[v.key].push(heldMs);
        if (v.key === "B") await rm(out.B, { recursive: true, force: true });
        log(
          `${name} ${v.key} ${v.label}: ${sec(r.ms)} s, source held ${sec(heldMs)} s, peak ${kbToMb(r.peakKb)} MB`,
        );
        (warm ? warmups : runs)[v.key].push(r);
      }
    }

    const med = (k: Key) => median(runs[k].map((r) => r.ms));
    const peakMb = (k: Key) => kbToMb(Math.max(...runs[k].map((r) => r.peakKb)));
    const ratioA = med("A") / med("B");
    const ratioC = med("C") / med("B");
    printTable(VARIANTS, runs, ratioA, ratioC);
    const heldMed = (k: Key) => median(held[k]);
    log(
      `source held (snapshot open to released, median): A ${sec(heldMed("A"))} s, ` +
        `C ${sec(heldMed("C"))} s, pg_dump ${sec(heldMed("B"))} s; A held / pg_dump run time ` +
        `${(heldMed("A") / med("B")).toFixed(3)} (goal <= 1.0)`,
    );
    if (recipient)
      log(`encryption costs C/A = ${(med("C") / med("A")).toFixed(3)} (median over median)`);
    const [a1, b1, c1] = [warmups.A[0], warmups.B[0], warmups.C[0]];
    if (a1 && b1 && c1) {
      log(
        `first backup into a new repository (warm-up 1, every blob new): A ${sec(a1.ms)} s, ` +
          `C ${sec(c1.ms)} s, pg_dump ${sec(b1.ms)} s; ` +
          (opts.churn > 0
            ? `${opts.churn} pgbench transactions ran before each later round`
            : "the timed rounds back up unchanged data (--churn T changes it)"),
      );
    }

    log("\nwhere tablesnap's time goes (one more run of A and of C, with --json):");
    const phases = {
      A: await phaseRun(TABLESNAP_NO_CUSTOM, out.A),
      C: await phaseRun(VARIANTS[2]?.command ?? TABLESNAP_DEFAULT, out.C),
    };
    const big = opts.big ? await bigRun(work, recipient) : undefined;
    const small = await smallRun(work, opts.rounds);

    const walls = (from: PerVariant<RunResult[]>) => ({
      A: from.A.map((r) => round1(r.ms)),
      B: from.B.map((r) => round1(r.ms)),
      C: from.C.map((r) => round1(r.ms)),
    });
    const report = {
      created_at: startedAt.toISOString(),
      host,
      loadavg_end: loadavg(),
      database: DB,
      pgbench_scale: SCALE,
      rounds: opts.rounds,
      churn_transactions_per_round: opts.churn,
      warmup_rounds: opts.warmup,
      commands: Object.fromEntries(
        VARIANTS.map((v) => [v.key, commandLine(v.command(out[v.key]))]),
      ),
      /** Warm-up 1 is each tablesnap repository's first backup: every blob is new. */
      warmup_wall_ms: walls(warmups),
      wall_ms: walls(runs),
      median_ms: { A: round1(med("A")), B: round1(med("B")), C: round1(med("C")) },
      /** Snapshot open to released, sampled from pg_stat_activity every 20 ms. */
      source_held_ms: {
        A: held.A.map(round1),
        B: held.B.map(round1),
        C: held.C.map(round1),
        median: { A: round1(heldMed("A")), B: round1(heldMed("B")), C: round1(heldMed("C")) },
        A_held_over_B_wall: round3(heldMed("A") / med("B")),
        goal: 1.0,
      },
      ratio: {
        A_over_B: round3(ratioA),
        C_over_B: round3(ratioC),
        target_A_over_B: TARGET_RATIO,
        ...(recipient ? { encrypted_C_over_A: round3(med("C") / med("A")) } : {}),
      },
      encrypted: recipient !== undefined,
      peak_rss_mb: {
        A: peakMb("A"),
        C: peakMb("C"),
        B_main_process: peakMb("B"),
        target: TARGET_PEAK_MB,
      },
      phases,
      big,
      small,
    };
    await writeReport("dump", startedAt, report);
  } finally {
    cleanUp();
  }
}

function printTable(
  VARIANTS: ReturnType<typeof variants>,
  runs: PerVariant<RunResult[]>,
  ratioA: number,
  ratioC: number,
): void {
  const ratio: PerVariant<string> = {
    A: `${ratioA.toFixed(2)} ${ratioA <= TARGET_RATIO ? "ok" : `> ${TARGET_RATIO}`}`,
    B: "1.00",
    C: ratioC.toFixed(2),
  };
  log(`\n${runs.A.length} rounds, ${DB} (pgbench -s ${SCALE}); times in seconds`);
  printTimes(
    "vs pg_dump",
    VARIANTS.map((v) => {
      const peak = kbToMb(Math.max(...runs[v.key].map((r) => r.peakKb)));
      const ok = peak < TARGET_PEAK_MB ? "ok" : "over";
      return {
        label: `${v.key} ${v.label}`,
        ms: runs[v.key].map((r) => r.ms),
        ratio: ratio[v.key],
        peak: v.key === "B" ? `${peak} MB*` : `${peak} MB ${ok}`,
      };
    }),
  );
  log(
    `targets: A/B <= ${TARGET_RATIO}, tablesnap peak < ${TARGET_PEAK_MB} MB. ` +
      "* pg_dump's main process only (its -j workers are separate processes)",
  );
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench:dump: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
