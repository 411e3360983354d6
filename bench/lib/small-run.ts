import { rm } from "node:fs/promises";
import { join } from "node:path";
import { commandLine, pgDump, ROOT, RUN_TIMEOUT_MS, tablesnap } from "./commands.ts";
import { kbToMb, log, round1, round3, sec } from "./format.ts";
import { HeldWatch } from "./held.ts";
import { measure, median } from "./measure.ts";
import { ensureSmallDb } from "./small-db.ts";

export const SMALL_DB = "tablesnap_bench_small";
/** Issue 13: a Pagila-size database within 2× pg_dump -Fd -j2 -Z0. */
export const SMALL_TARGET = 2;

/**
 * The Pagila-size case: a first backup into a new repository, then `rounds` alternating runs of
 * tablesnap (unchanged data) and pg_dump, each with the time it held the source.
 */
export async function smallRun(work: string, rounds: number): Promise<Record<string, unknown>> {
  log(`\nPagila-size database: ${SMALL_DB}`);
  const bytes = await ensureSmallDb(SMALL_DB);
  const repo = join(work, "small-repo");
  const out = join(work, "small-pg_dump-out");
  const a = tablesnap(SMALL_DB, ["--no-custom-dump", "--jobs", "2", "--quiet"])(repo);
  const b = pgDump(SMALL_DB)(out);
  log(`  A: ${commandLine(a)}\n  B: ${commandLine(b)}`);
  const run = async (cmd: typeof a) => {
    const watch = new HeldWatch(SMALL_DB);
    const r = await measure(cmd[0], cmd[1], { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS }).finally(() =>
      watch.stop(),
    );
    return { ms: r.ms, peakKb: r.peakKb, heldMs: await watch.stop() };
  };
  const firstA = await run(a);
  const firstB = await run(b);
  await rm(out, { recursive: true, force: true });
  const A: Awaited<ReturnType<typeof run>>[] = [];
  const B: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 1; i <= rounds; i++) {
    A.push(await run(a));
    B.push(await run(b));
    await rm(out, { recursive: true, force: true });
    log(
      `  round ${i}/${rounds}: A ${sec(A.at(-1)?.ms ?? 0)} s, pg_dump ${sec(B.at(-1)?.ms ?? 0)} s`,
    );
  }
  const med = (xs: { ms: number }[]) => median(xs.map((x) => x.ms));
  const held = (xs: { heldMs: number }[]) => median(xs.map((x) => x.heldMs));
  const ratio = med(A) / med(B);
  const firstRatio = firstA.ms / firstB.ms;
  const peak = kbToMb(Math.max(...[firstA, ...A].map((x) => x.peakKb)));
  log(
    `  unchanged: A ${sec(med(A))} s vs pg_dump ${sec(med(B))} s = ${ratio.toFixed(2)}x ` +
      `(target <= ${SMALL_TARGET}); first backup ${sec(firstA.ms)} s vs ${sec(firstB.ms)} s = ` +
      `${firstRatio.toFixed(2)}x; source held A ${sec(held(A))} s, pg_dump ${sec(held(B))} s; ` +
      `peak ${peak} MB`,
  );
  return {
    database: SMALL_DB,
    database_bytes: bytes,
    commands: { A: commandLine(a), B: commandLine(b) },
    first_ms: { A: round1(firstA.ms), B: round1(firstB.ms), ratio: round3(firstRatio) },
    wall_ms: { A: A.map((x) => round1(x.ms)), B: B.map((x) => round1(x.ms)) },
    median_ms: { A: round1(med(A)), B: round1(med(B)) },
    ratio: round3(ratio),
    target: SMALL_TARGET,
    source_held_ms: { A: round1(held(A)), B: round1(held(B)) },
    peak_rss_mb: peak,
  };
}
