import { type ArtifactStore, observeClosedFiles } from "@tablesnap/artifacts";
import { dataPartPath, type FileEntry } from "@tablesnap/core";
import { encryptingStore } from "@tablesnap/encryption";
import type { TableInfo } from "./catalog.ts";
import type { Sql, Tx } from "./connect.ts";
import { DEFAULT_TABLE_STALL_MS } from "./defaults.ts";
import { DumpAbortedError, DumpError } from "./errors.ts";
import {
  type KeyRange,
  mayBeSplit,
  PART_STRIDE,
  planKeyRanges,
  rangeCondition,
} from "./key-ranges.ts";
import { PartWriter } from "./parts.ts";
import { runPool } from "./pool.ts";
import { inSnapshot } from "./snapshot.ts";
import { Watchdog } from "./watchdog.ts";

const enc = new TextEncoder();
const BATCH_BYTES = 1 << 20;

export interface TableDataResult {
  readonly rows: number;
  readonly files: FileEntry[];
}

/** `SELECT … ORDER BY` that gives the same row order for the same table contents every time. */
export function copyQuery(t: TableInfo, range?: KeyRange): string {
  const cols = t.columns.length > 0 ? t.columns.join(", ") : "";
  const order =
    t.primaryKey.length > 0
      ? t.primaryKey.join(", ")
      : // No key: order by the whole row's text, which only ties for identical rows.
        `(t.*)::text COLLATE "C"`;
  const where = range ? rangeCondition(range) : "";
  return `COPY (SELECT ${cols} FROM ONLY ${t.qname} AS t${where} ORDER BY ${order}) TO STDOUT`;
}

/**
 * `COPY schema.table (cols) FROM stdin;` as pg_dump writes it, so `psql -f` loads each part. The
 * rows are always UTF-8 (our connection's client encoding), which the first line says.
 */
export function copyHeader(t: TableInfo): string {
  const cols = t.columns.length > 0 ? ` (${t.columns.join(", ")})` : " ";
  return `SET client_encoding = 'UTF8';\nCOPY ${t.qname}${cols} FROM stdin;\n`;
}

export interface TableDataOptions {
  readonly sql: Sql;
  readonly snapshotId: string;
  readonly table: TableInfo;
  readonly store: ArtifactStore;
  readonly folder: string;
  readonly maxBytes: number;
  readonly trailer: string;
  readonly signal: AbortSignal;
  readonly stallMs?: number | undefined;
  /** Encrypt every data file to these age recipients. */
  readonly recipients?: readonly string[] | undefined;
  /** Hears of each part as soon as it is complete (encrypted, when it is). */
  readonly onFile?: ((entry: FileEntry) => void) | undefined;
  /** Key ranges of a big table copied at once, each on its own connection (default 1). */
  readonly parallel?: number | undefined;
}

/**
 * Streams one table's rows, inside the run's snapshot, into `<folder>/data.sql` (split into
 * parts at row boundaries past `maxBytes`). Memory stays at about one batch per copy whatever the
 * size. A big table with an integer key is copied in key ranges (`planKeyRanges`), up to
 * `parallel` at once, each into parts of its own; the files come back in key order.
 */
export async function dumpTableData(o: TableDataOptions): Promise<TableDataResult> {
  const ranges =
    mayBeSplit(o.table) &&
    (await inSnapshot(o.sql, o.snapshotId, (tx) => planKeyRanges(tx, o.table)));
  if (!ranges) return copyRows(o, undefined);
  const results: TableDataResult[] = [];
  const stop = new AbortController();
  const abort = () => stop.abort(o.signal.reason);
  o.signal.addEventListener("abort", abort, { once: true });
  if (o.signal.aborted) abort();
  try {
    const last = ranges.length - 1;
    const copies = ranges.map((r) => async () => {
      const trailer = r.index === last ? o.trailer : "";
      try {
        results[r.index] = await copyRows({ ...o, trailer, signal: stop.signal }, r);
      } catch (e) {
        stop.abort(e);
        throw e;
      }
    });
    await runPool(copies, o.parallel ?? 1, stop.signal);
  } finally {
    o.signal.removeEventListener("abort", abort);
  }
  return { rows: results.reduce((a, r) => a + r.rows, 0), files: results.flatMap((r) => r.files) };
}

/**
 * Copies the table's rows (or one key range of them) into parts of their own. A copy that moves
 * no rows for `stallMs` (the server or the store stopped answering) fails at once with
 * `TableStalledError`, naming the table, instead of waiting for the run's time limit.
 */
async function copyRows(
  o: TableDataOptions,
  range: KeyRange | undefined,
): Promise<TableDataResult> {
  const first = range ? range.index * PART_STRIDE : 0;
  const writer = new PartWriter({
    store: filesStore(o.store, o.recipients, o.onFile),
    partPath: (n) => {
      if (n >= PART_STRIDE) throw tooManyParts(o.table, range);
      return dataPartPath(o.folder)(first + n);
    },
    maxBytes: o.maxBytes,
    header: enc.encode(copyHeader(o.table)),
    footer: enc.encode("\\.\n\n"),
    splitAtNewline: true,
  });
  const dog = new Watchdog(o.table, o.stallMs ?? DEFAULT_TABLE_STALL_MS);
  let rows = 0;
  const copy = inSnapshot(o.sql, o.snapshotId, async (tx) => {
    // The run's snapshot transaction holds this lock already. If someone's ALTER TABLE now
    // waits for that transaction, a plain lock request here would queue behind the ALTER and
    // neither could move: refuse instead, as pg_dump -j does.
    await tx
      .unsafe(`LOCK TABLE ${o.table.qname} IN ACCESS SHARE MODE NOWAIT`)
      .catch((e: unknown) => {
        throw lockError(o.table, e);
      });
    await notRewritten(tx, o.table);
    // postgres.js 3.4.9 cannot cancel a query it has not sent yet: the transaction's connection
    // is left unusable and its ROLLBACK never runs (the job hangs). So check before sending,
    // and cancel only once the COPY runs.
    if (o.signal.aborted || dog.fired) throw new DumpAbortedError();
    const query = tx.unsafe(copyQuery(o.table, range));
    const stream = await query.readable();
    // Cancelling on the server ends the stream with an error; merely dropping the stream would
    // leave the server blocked writing and the connection (and this transaction) stuck.
    const cancel = () => void query.cancel();
    o.signal.addEventListener("abort", cancel, { once: true });
    dog.onFire = cancel;
    if (o.signal.aborted) cancel();
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      const batch =
        pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      rows += countNewlines(batch);
      await writer.write(batch);
      dog.pet();
    };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        dog.pet();
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= BATCH_BYTES) await flush();
      }
    } finally {
      o.signal.removeEventListener("abort", cancel);
    }
    if (pendingBytes > 0) await flush();
  });
  try {
    // A stalled server may never answer the cancel or the ROLLBACK: do not wait for them.
    copy.catch(() => {});
    await Promise.race([copy, dog.stalled]);
    const files = await Promise.race([writer.close(enc.encode(o.trailer)), dog.stalled]);
    return { rows, files };
  } catch (e) {
    if (dog.fired) {
      void writer.abort().catch(() => {});
      throw dog.error;
    }
    await writer.abort();
    throw o.signal.aborted ? new DumpAbortedError({ cause: e }) : e;
  } finally {
    dog.stop();
  }
}

/** The store a copy writes through: encrypting, then observed, as the options ask. */
function filesStore(
  store: ArtifactStore,
  recipients: readonly string[] | undefined,
  onFile: ((entry: FileEntry) => void) | undefined,
): ArtifactStore {
  const encrypted = recipients ? encryptingStore(store, recipients, () => true) : store;
  return onFile ? observeClosedFiles(encrypted, onFile) : encrypted;
}

/**
 * A table rewritten since the snapshot (TRUNCATE, VACUUM FULL, CLUSTER, an ALTER TABLE that
 * rewrites it) no longer holds the rows the snapshot sees: reading it would give an empty or
 * partial copy without a word. Its file in the snapshot's catalog and the one the server uses now
 * (read after our lock, so current) then differ, and the copy fails instead.
 */
async function notRewritten(tx: Tx, t: TableInfo): Promise<void> {
  const [r] = await tx<{ same: boolean }[]>`
    select c.relfilenode = pg_relation_filenode(c.oid) as same from pg_class c where c.oid = ${t.oid}`;
  if (r?.same !== false) return;
  throw new DumpError(
    `table ${t.qname} was emptied or rewritten (TRUNCATE, VACUUM FULL, CLUSTER or ALTER TABLE) after this backup's snapshot was taken, so its rows as of the snapshot cannot be read; run the backup again`,
    { retriable: true, context: { table: t.qname } },
  );
}

function tooManyParts(t: TableInfo, range: KeyRange | undefined): DumpError {
  const where = range ? ` (key range ${range.index + 1}${rangeCondition(range)})` : "";
  return new DumpError(
    `table ${t.qname}${where} needs more than ${PART_STRIDE - 1} data files: raise --max-file-bytes`,
    { context: { table: t.qname } },
  );
}

function lockError(t: TableInfo, e: unknown): unknown {
  if ((e as { code?: unknown }).code !== "55P03") return e;
  return new DumpError(
    `table ${t.qname} is waiting to be altered or dropped by another session (it asked for an exclusive lock after this backup started); run the backup again when that is done`,
    { cause: e, retriable: true, context: { table: t.qname } },
  );
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}
