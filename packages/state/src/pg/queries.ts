import { type AnyColumn, and, asc, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { decodeCursor, encodeCursor, pageSize } from "../cursor.ts";
import { ACTIVE } from "../rules.ts";
import type {
  ListRunsOptions,
  Run,
  RunDetail,
  RunPage,
  RunProgress,
  RunStatus,
  RunTotals,
  TargetSummary,
  TriggerRecord,
} from "../types.ts";
import { GOOD_STATUSES, TABLE_STATUSES } from "../types.ts";
import { runs, runTables, triggers } from "./schema.ts";

/** The read side of the pg adapter: what the status API asks. */
export type Db = PostgresJsDatabase;

export const iso = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
/** Byte order, whatever the database's collation: the same order the memory adapter gives. */
const bytewise = (column: AnyColumn): SQL => sql`${column} collate "C"`;

export async function listTargets(db: Db): Promise<string[]> {
  const rows = await db
    .select({ target: runs.target })
    .from(runs)
    .groupBy(runs.target)
    .orderBy(bytewise(runs.target));
  return rows.map((r) => r.target);
}

async function latest(db: Db, target: string, statuses: readonly RunStatus[]): Promise<Run | null> {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.target, target), inArray(runs.status, [...statuses])))
    .orderBy(sql`${runs.finishedAt} desc nulls first`, desc(runs.createdAt), desc(runs.id))
    .limit(1);
  return row ?? null;
}

export async function targetSummary(db: Db, target: string): Promise<TargetSummary> {
  const [lastSuccess, lastFailure, lastPartial, running, pending] = await Promise.all([
    latest(db, target, [...GOOD_STATUSES]),
    latest(db, target, ["failed"]),
    latest(db, target, ["partial"]),
    latest(db, target, ACTIVE),
    latest(db, target, ["pending"]),
  ]);
  return { target, lastSuccess, lastFailure, lastPartial, running, pending };
}

async function triggersOf(db: Db, runIds: string[]): Promise<Map<string, TriggerRecord[]>> {
  const byRun = new Map<string, TriggerRecord[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  const rows = await db
    .select()
    .from(triggers)
    .where(inArray(triggers.runId, runIds))
    .orderBy(asc(triggers.receivedAt), bytewise(triggers.id));
  for (const t of rows) if (t.runId !== null) byRun.get(t.runId)?.push(t);
  return byRun;
}

const NO_TABLES: RunTotals = { tables: 0, done: 0, failed: 0, rows: 0, bytes: 0 };

async function totalsOf(db: Db, runIds: string[]): Promise<Map<string, RunTotals>> {
  if (runIds.length === 0) return new Map();
  const rows = await db
    .select({
      runId: runTables.runId,
      tables: sql<number>`count(*)::int`,
      done: sql<number>`(count(*) filter (where ${runTables.status} in ('done', 'skipped')))::int`,
      failed: sql<number>`(count(*) filter (where ${runTables.status} = 'failed'))::int`,
      rows: sql<string>`coalesce(sum(${runTables.rows}), 0)::text`,
      bytes: sql<string>`coalesce(sum(${runTables.bytes}), 0)::text`,
    })
    .from(runTables)
    .where(inArray(runTables.runId, runIds))
    .groupBy(runTables.runId);
  return new Map(
    rows.map((r) => [
      r.runId,
      {
        tables: r.tables,
        done: r.done,
        failed: r.failed,
        rows: Number(r.rows),
        bytes: Number(r.bytes),
      },
    ]),
  );
}

export async function listRuns(
  db: Db,
  target: string,
  options: ListRunsOptions = {},
): Promise<RunPage> {
  const limit = pageSize(options.limit);
  const where: SQL[] = [eq(runs.target, target)];
  if (options.status !== undefined) where.push(eq(runs.status, options.status));
  if (options.cursor !== undefined) {
    const p = decodeCursor(options.cursor);
    where.push(sql`(${runs.createdAt}, ${runs.id}) < (${iso(p.createdAt)}, ${p.id})`);
  }
  const rows = await db
    .select()
    .from(runs)
    .where(and(...where))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const ids = page.map((r) => r.id);
  const [byRun, totals] = await Promise.all([triggersOf(db, ids), totalsOf(db, ids)]);
  const last = page.at(-1);
  return {
    runs: page.map((r) => ({
      ...r,
      triggers: byRun.get(r.id) ?? [],
      totals: totals.get(r.id) ?? NO_TABLES,
    })),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
  };
}

export async function getRun(db: Db, runId: string): Promise<RunDetail | null> {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (run === undefined) return null;
  const [byRun, tables] = await Promise.all([
    triggersOf(db, [runId]),
    db
      .select()
      .from(runTables)
      .where(eq(runTables.runId, runId))
      .orderBy(bytewise(runTables.schema), bytewise(runTables.name)),
  ]);
  return { ...run, triggers: byRun.get(runId) ?? [], tables };
}

export async function getTrigger(db: Db, id: string): Promise<TriggerRecord | null> {
  const [row] = await db.select().from(triggers).where(eq(triggers.id, id));
  return row ?? null;
}

export async function runProgress(db: Db, runId: string): Promise<RunProgress> {
  const rows = await db
    .select({ status: runTables.status, n: sql<number>`count(*)::int` })
    .from(runTables)
    .where(eq(runTables.runId, runId))
    .groupBy(runTables.status);
  const counts = Object.fromEntries(TABLE_STATUSES.map((s) => [s, 0])) as Record<
    (typeof TABLE_STATUSES)[number],
    number
  >;
  for (const r of rows) counts[r.status] = r.n;
  return { ...counts, total: rows.reduce((sum, r) => sum + r.n, 0) };
}
