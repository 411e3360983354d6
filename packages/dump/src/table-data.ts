import { type ArtifactStore, observeClosedFiles } from "@tablesnap/artifacts";
import { dataPartPath, type FileEntry } from "@tablesnap/core";
import { encryptingStore } from "@tablesnap/encryption";
import type { TableInfo } from "./catalog.ts";
import type { Sql } from "./connect.ts";
import { DEFAULT_TABLE_STALL_MS } from "./defaults.ts";
import { DumpAbortedError, DumpError, TableStalledError } from "./errors.ts";
import { PartWriter } from "./parts.ts";
import { inSnapshot } from "./snapshot.ts";

const enc = new TextEncoder();
const BATCH_BYTES = 1 << 20;
/** How fast a server is assumed to sort a table before its first row, for the stall bound. */
const FIRST_ROW_BYTES_PER_SECOND = 10_000_000;

export interface TableDataResult {
  readonly rows: number;
  readonly files: FileEntry[];
}

/** `SELECT … ORDER BY` that gives the same row order for the same table contents every time. */
export function copyQuery(t: TableInfo): string {
  const cols = t.columns.length > 0 ? t.columns.join(", ") : "";
  const order =
    t.primaryKey.length > 0
      ? t.primaryKey.join(", ")
      : // No key: order by the whole row's text, which only ties for identical rows.
        `(t.*)::text COLLATE "C"`;
  return `COPY (SELECT ${cols} FROM ONLY ${t.qname} AS t ORDER BY ${order}) TO STDOUT`;
}

/**
 * `COPY schema.table (cols) FROM stdin;` as pg_dump writes it, so `psql -f` loads each part. The
 * rows are always UTF-8 (our connection's client encoding), which the first line says.
 */
export function copyHeader(t: TableInfo): string {
  const cols = t.columns.length > 0 ? ` (${t.columns.join(", ")})` : " ";
  return `SET client_encoding = 'UTF8';\nCOPY ${t.qname}${cols} FROM stdin;\n`;
}

/**
 * Streams one table's rows, inside the run's snapshot, into `<folder>/data.sql` (split into
 * parts at row boundaries past `maxBytes`). Memory stays at about one batch whatever the size.
 * A copy that moves no rows for `stallMs` (the server or the store stopped answering) fails at
 * once with `TableStalledError`, naming the table, instead of waiting for the run's time limit.
 */
export async function dumpTableData(o: {
  sql: Sql;
  snapshotId: string;
  table: TableInfo;
  store: ArtifactStore;
  folder: string;
  maxBytes: number;
  trailer: string;
  signal: AbortSignal;
  stallMs?: number | undefined;
  /** Encrypt every data file to these age recipients. */
  recipients?: readonly string[] | undefined;
  /** Hears of each part as soon as it is complete (encrypted, when it is). */
  onFile?: ((entry: FileEntry) => void) | undefined;
}): Promise<TableDataResult> {
  const writer = new PartWriter({
    store: filesStore(o.store, o.recipients, o.onFile),
    partPath: dataPartPath(o.folder),
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
    // postgres.js 3.4.9 cannot cancel a query it has not sent yet: the transaction's connection
    // is left unusable and its ROLLBACK never runs (the job hangs). So check before sending,
    // and cancel only once the COPY runs.
    if (o.signal.aborted || dog.fired) throw new DumpAbortedError();
    const query = tx.unsafe(copyQuery(o.table));
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

/** Fails a copy that has not moved for `ms`: `stalled` rejects, and `onFire` cancels the COPY. */
class Watchdog {
  readonly stalled: Promise<never>;
  readonly error: TableStalledError;
  fired = false;
  onFire: () => void = () => {};
  #timer: NodeJS.Timeout | undefined;
  #reject: (e: Error) => void = () => {};
  readonly #ms: number;

  constructor(t: TableInfo, ms: number) {
    this.#ms = ms;
    this.error = new TableStalledError(t.qname, ms);
    this.stalled = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    this.stalled.catch(() => {});
    // The first row may come only after the server sorted the whole table (ORDER BY on a table
    // without a usable index): allow for that, at 10 MB/s of its size.
    this.#arm(ms + Math.ceil(t.bytesEstimate / FIRST_ROW_BYTES_PER_SECOND) * 1000);
  }

  pet(): void {
    this.#arm(this.#ms);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.onFire();
      this.#reject(this.error);
    }, ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
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
