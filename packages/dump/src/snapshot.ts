import { UsageError } from "@tablesnap/core";
import type { TransactionSql } from "postgres";
import {
  listSchemas,
  listSequences,
  listTables,
  type SequenceInfo,
  type TableInfo,
} from "./catalog.ts";
import type { Sql, Tx } from "./connect.ts";

export interface SnapshotInfo {
  readonly id: string;
  readonly time: string;
  readonly database: string;
  readonly serverVersion: string;
  readonly serverVersionNum: number;
  readonly schemas: readonly string[];
  readonly tables: readonly TableInfo[];
  readonly sequences: readonly SequenceInfo[];
  /** Materialized views with their state: a restore refreshes only those that held data. */
  readonly matviews: readonly { schema: string; name: string; populated: boolean }[];
  /** Tables the dump role cannot read, with the server's own words for why. */
  readonly unreadable: ReadonlyArray<{ table: TableInfo; reason: string; noPrivilege: boolean }>;
  /** Sequences whose value the dump role cannot read (their definition is still dumped). */
  readonly unreadableSequences: ReadonlyArray<{ sequence: SequenceInfo; reason: string }>;
  /**
   * Whether the snapshot's transaction share-locks every table for the whole run. Not when the
   * server's lock table is too small for that beside pg_dump's own locks (`locksFit`): then each
   * copy checks that its table was not rewritten since the snapshot, and pg_dump runs alone.
   */
  readonly tablesLocked: boolean;
}

/**
 * Share-locking `tables` in the snapshot's transaction leaves room in the server's lock table
 * (`max_locks_per_transaction` × (`max_connections` + `max_prepared_transactions`) entries, shared
 * by every session) for pg_dump to lock them all once more, and for the user's own sessions.
 */
export function locksFit(tables: number, capacity: number): boolean {
  return tables <= capacity / 4;
}

export interface OpenSnapshot {
  readonly info: SnapshotInfo;
  /** Ends the exporting transaction; every reader must be done by then. */
  close(): Promise<void>;
}

/**
 * How long the server lets the snapshot's transaction sit idle before it ends it (and with it
 * every lock of the run). The holder touches it every quarter of that, so only a holder that
 * stopped (frozen, cut off by the network, a machine gone) ever reaches the bound.
 */
export const SNAPSHOT_IDLE_TIMEOUT_SECONDS = 60;

/**
 * Opens the run's one point in time: a REPEATABLE READ READ ONLY transaction that exports its
 * snapshot and stays open until `close()`, so every connection and every pg_dump of the run can
 * attach to it. The catalog is read inside it, and every readable table is share-locked (as
 * pg_dump does) so no table is dropped or rewritten under the run. The server ends it if the
 * holder goes silent for `idleTimeoutSeconds`: a backup never keeps locks on the user's
 * database past that bound.
 */
export async function openSnapshot(
  sql: Sql,
  filter: { include: readonly string[]; exclude: readonly string[] },
  idleTimeoutSeconds = SNAPSHOT_IDLE_TIMEOUT_SECONDS,
): Promise<OpenSnapshot> {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let ready!: (info: SnapshotInfo) => void;
  let failed!: (e: unknown) => void;
  const opened = new Promise<SnapshotInfo>((res, rej) => {
    ready = res;
    failed = rej;
  });
  let done = false;
  const tx = sql.begin("isolation level repeatable read read only", async (t) => {
    await t.unsafe(`SET LOCAL idle_in_transaction_session_timeout = '${idleTimeoutSeconds}s'`);
    ready(await readSnapshot(t, filter));
    const beat = (idleTimeoutSeconds * 1000) / 4;
    void released.then(() => {
      done = true;
    });
    while (!done) {
      await Promise.race([released, new Promise((r) => setTimeout(r, beat).unref())]);
      if (!done) await t`select 1`;
    }
  });
  tx.catch(failed);
  const info = await opened;
  return {
    info,
    async close() {
      release();
      // A heartbeat on a connection cut off without a word could wait for TCP to give up.
      await Promise.race([tx, new Promise((r) => setTimeout(r, 10_000).unref())]);
    },
  };
}

async function readSnapshot(
  t: TransactionSql,
  filter: { include: readonly string[]; exclude: readonly string[] },
): Promise<SnapshotInfo> {
  await t.unsafe("SET LOCAL statement_timeout = 0");
  await t.unsafe("SET LOCAL row_security = off");
  const [head] = await t<
    { id: string; time: Date; database: string; version: string; num: string }[]
  >`select pg_export_snapshot() as id, clock_timestamp() as time, current_database() as database,
      current_setting('server_version') as version, current_setting('server_version_num') as num`;
  if (!head) throw new Error("pg_export_snapshot() returned nothing");
  const { schemas, missing } = await listSchemas(t, filter.include, filter.exclude);
  if (missing.length > 0) {
    throw new UsageError(`no such schema in database "${head.database}": ${missing.join(", ")}`);
  }
  const tables = await listTables(t, schemas);
  const sequences = await listSequences(t, schemas);
  const matviews = await t<{ schema: string; name: string; populated: boolean }[]>`
    select n.nspname as schema, c.relname as name, c.relispopulated as populated
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'm' and n.nspname = any(${schemas as string[]})
    order by n.nspname, c.relname`;
  const unreadable: { table: TableInfo; reason: string; noPrivilege: boolean }[] = [];
  for (const table of tables.filter((x) => x.unreadable)) {
    // LOCK needs table-level SELECT (column grants do not do), and pg_dump locks every table.
    const reason = await probe(
      t,
      `LOCK TABLE ${table.qname} IN ACCESS SHARE MODE; SELECT FROM ONLY ${table.qname} LIMIT 0`,
    );
    if (reason) unreadable.push({ table, reason, noPrivilege: /permission denied/.test(reason) });
  }
  const unreadableSequences: { sequence: SequenceInfo; reason: string }[] = [];
  for (const sequence of sequences.filter((q) => q.value === null)) {
    const reason = await probe(t, `SELECT last_value FROM ${sequence.qname}`);
    unreadableSequences.push({ sequence, reason: reason ?? "its value could not be read" });
  }
  const skip = new Set(unreadable.filter((u) => u.noPrivilege).map((u) => u.table.oid));
  const lockable = tables.filter((x) => !skip.has(x.oid));
  const [capacity] = await t<{ n: string }[]>`
    select current_setting('max_locks_per_transaction')::int8
      * (current_setting('max_connections')::int8 + current_setting('max_prepared_transactions')::int8) as n`;
  const tablesLocked = locksFit(lockable.length, Number(capacity?.n ?? 0));
  for (let i = 0; tablesLocked && i < lockable.length; i += 500) {
    const names = lockable.slice(i, i + 500).map((x) => x.qname);
    await t.unsafe(`LOCK TABLE ${names.join(", ")} IN ACCESS SHARE MODE`);
  }
  return {
    id: head.id,
    time: head.time.toISOString(),
    database: head.database,
    serverVersion: head.version,
    serverVersionNum: Number(head.num),
    schemas,
    tables,
    sequences,
    matviews: matviews.map((m) => ({ schema: m.schema, name: m.name, populated: m.populated })),
    unreadable,
    unreadableSequences,
    tablesLocked,
  };
}

/** Runs `fn` in a read-only transaction attached to the run's snapshot. */
export async function inSnapshot<T>(
  sql: Sql,
  snapshotId: string,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  const result = await sql.begin("isolation level repeatable read read only", async (tx) => {
    await tx.unsafe(`SET TRANSACTION SNAPSHOT '${snapshotId}'`);
    await tx.unsafe("SET LOCAL row_security = off");
    await tx.unsafe("SET LOCAL statement_timeout = 0");
    return [await fn(tx)] as const;
  });
  return result[0];
}

/** Runs a read the dump will need and returns the server's error message if it is refused. */
async function probe(t: TransactionSql, query: string): Promise<string | undefined> {
  await t.unsafe("SAVEPOINT tablesnap_probe");
  try {
    await t.unsafe(query);
    await t.unsafe("RELEASE SAVEPOINT tablesnap_probe");
    return undefined;
  } catch (e) {
    await t.unsafe("ROLLBACK TO SAVEPOINT tablesnap_probe");
    return e instanceof Error ? e.message : String(e);
  }
}
