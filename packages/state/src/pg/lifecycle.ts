import type { Manifest } from "@tablesnap/core";
import { and, eq, inArray, lte, type SQL, sql } from "drizzle-orm";
import { RunNotFoundError, TableJobNotFoundError } from "../errors.ts";
import { ACTIVE, OPEN, skippedMessage, tableChange } from "../rules.ts";
import type {
  Attempt,
  FinalRunStatus,
  FinishFields,
  Run,
  TableJob,
  TableRef,
  TableUpdate,
  Transition,
} from "../types.ts";
import type { Db } from "./queries.ts";
import { runs, runTables } from "./schema.ts";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

async function mustGet(db: Db | Tx, runId: string): Promise<Run> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId));
  if (row === undefined) throw new RunNotFoundError(runId);
  return row;
}

/** The unfinished tables of ended runs are skipped, so no table looks busy forever. */
async function skipUnfinished(tx: Tx, runIds: string[], status: FinalRunStatus): Promise<void> {
  await tx
    .update(runTables)
    .set({ status: "skipped", error: skippedMessage(status) })
    .where(
      and(inArray(runTables.runId, runIds), inArray(runTables.status, ["pending", "running"])),
    );
}

export async function planTables(db: Db, runId: string, tables: readonly TableRef[]) {
  await mustGet(db, runId);
  if (tables.length === 0) return;
  const rows = tables.map((t) => ({ runId, schema: t.schema, name: t.name, status: "pending" }));
  await db
    .insert(runTables)
    .values(rows as (typeof runTables.$inferInsert)[])
    .onConflictDoNothing();
}

export function markTable(db: Db, runId: string, t: TableRef, u: TableUpdate): Promise<TableJob> {
  return db.transaction(async (tx) => {
    const key = and(
      eq(runTables.runId, runId),
      eq(runTables.schema, t.schema),
      eq(runTables.name, t.name),
    );
    const [current] = await tx.select().from(runTables).where(key).for("no key update");
    if (current === undefined) throw new TableJobNotFoundError(runId, t.schema, t.name);
    const change = tableChange(current, u);
    if (change === null) return current;
    const [row] = await tx.update(runTables).set(change).where(key).returning();
    return row ?? current;
  });
}

/** Sets `set` on the run when `when` holds; otherwise changes nothing and returns the run. */
async function moveRun(
  db: Db,
  runId: string,
  set: Partial<typeof runs.$inferInsert>,
  when: SQL | undefined,
): Promise<Transition> {
  const [row] = await db
    .update(runs)
    .set(set)
    .where(and(eq(runs.id, runId), when))
    .returning();
  return row !== undefined
    ? { changed: true, run: row }
    : { changed: false, run: await mustGet(db, runId) };
}

export function startAttempt(db: Db, runId: string, a: Attempt): Promise<Transition> {
  const set = { snapshotId: a.snapshotId, backupId: a.backupId };
  return moveRun(db, runId, set, eq(runs.status, "running"));
}

export function recordManifest(
  db: Db,
  runId: string,
  snapshotId: string,
  manifest: Manifest,
): Promise<Transition> {
  const when = and(inArray(runs.status, [...ACTIVE]), eq(runs.snapshotId, snapshotId));
  return moveRun(db, runId, { manifest }, when);
}

export function setPublishing(db: Db, runId: string): Promise<Transition> {
  return moveRun(db, runId, { status: "publishing" }, eq(runs.status, "running"));
}

export function finishRun(
  db: Db,
  runId: string,
  status: FinalRunStatus,
  fields: FinishFields,
): Promise<Transition> {
  const { now = new Date(), ...rest } = fields;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(runs)
      .set({ ...defined(rest), status, finishedAt: now })
      .where(and(eq(runs.id, runId), inArray(runs.status, [...OPEN])))
      .returning();
    if (row === undefined) return { changed: false, run: await mustGet(tx, runId) };
    await skipUnfinished(tx, [runId], status);
    return { changed: true, run: row };
  });
}

const expiry = sql`'time limit exceeded: still in progress at its deadline '
  || to_char(${runs.deadline} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export function expireRuns(db: Db, now: Date): Promise<Run[]> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(runs)
      .set({ status: "failed", finishedAt: now, error: expiry })
      .where(and(inArray(runs.status, [...ACTIVE]), lte(runs.deadline, now)))
      .returning();
    if (rows.length > 0) {
      await skipUnfinished(
        tx,
        rows.map((r) => r.id),
        "failed",
      );
    }
    return rows;
  });
}
