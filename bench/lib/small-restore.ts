import { commandLine, ROOT, RUN_TIMEOUT_MS } from "./commands.ts";
import { createEmptyDatabase, dropDatabase, psql } from "./db.ts";
import { kbToMb, log, round1, round3, sec } from "./format.ts";
import { measure, median } from "./measure.ts";
import { makeSources, pgRestore, tablesnapRestore } from "./restore-commands.ts";
import { ensureSmallDb } from "./small-db.ts";
import { SMALL_DB } from "./small-run.ts";

/** Issue 13: restoring a small database within 2× pg_restore -j2. */
const SMALL_RESTORE_TARGET = 2;
const TARGET_DB = "tablesnap_bench_small_restore";

/** Every user table's rows, summed (a partitioned parent counts its partitions' rows again). */
async function totalRows(db: string): Promise<number> {
  const sql =
    "select coalesce(sum((xpath('/row/c/text()', query_to_xml(format('select count(*) as c from %I.%I', schemaname, tablename), false, true, '')))[1]::text::bigint), 0) " +
    "from pg_tables where schemaname not in ('pg_catalog', 'information_schema')";
  return Number(await psql(db, sql));
}

/**
 * The small case of bench:restore: the Pagila-size database backed up once and dumped once,
 * then `rounds` alternating restores of each into a new empty database, rows checked after each.
 */
export async function smallRestoreRun(
  work: string,
  rounds: number,
): Promise<Record<string, unknown>> {
  log(`\nPagila-size database: ${SMALL_DB}`);
  await ensureSmallDb(SMALL_DB);
  const expected = await totalRows(SMALL_DB);
  const sources = await makeSources(SMALL_DB, `${work}/small`);
  const a = tablesnapRestore(sources.backup, ["--jobs", "2", "--quiet"])(TARGET_DB);
  const b = pgRestore(sources.dumpDir)(TARGET_DB);
  log(`  A: ${commandLine(a)}\n  B: ${commandLine(b)}`);
  const run = async (cmd: typeof a, what: string) => {
    await createEmptyDatabase(TARGET_DB);
    const r = await measure(cmd[0], cmd[1], { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS });
    const got = await totalRows(TARGET_DB);
    if (got !== expected) throw new Error(`WRONG RESTORE (${what}): ${got} rows, not ${expected}`);
    await dropDatabase(TARGET_DB);
    await psql("postgres", "checkpoint");
    return r;
  };
  const A: Awaited<ReturnType<typeof run>>[] = [];
  const B: Awaited<ReturnType<typeof run>>[] = [];
  await run(a, "warm-up A");
  await run(b, "warm-up B");
  for (let i = 1; i <= rounds; i++) {
    A.push(await run(a, `round ${i} A`));
    B.push(await run(b, `round ${i} B`));
    log(
      `  round ${i}/${rounds}: A ${sec(A.at(-1)?.ms ?? 0)} s, pg_restore ${sec(B.at(-1)?.ms ?? 0)} s`,
    );
  }
  const med = (xs: { ms: number }[]) => median(xs.map((x) => x.ms));
  const ratio = med(A) / med(B);
  const peak = kbToMb(Math.max(...A.map((x) => x.peakKb)));
  log(
    `  small restore: A ${sec(med(A))} s vs pg_restore ${sec(med(B))} s = ${ratio.toFixed(2)}x ` +
      `(target <= ${SMALL_RESTORE_TARGET}); rows ok (${expected}); peak ${peak} MB`,
  );
  return {
    database: SMALL_DB,
    rows: expected,
    commands: { A: commandLine(a), B: commandLine(b) },
    wall_ms: { A: A.map((x) => round1(x.ms)), B: B.map((x) => round1(x.ms)) },
    median_ms: { A: round1(med(A)), B: round1(med(B)) },
    ratio: round3(ratio),
    target: SMALL_RESTORE_TARGET,
    peak_rss_mb: peak,
  };
}
