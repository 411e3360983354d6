import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface RowCounts {
  added: number;
  removed: number;
  changed: number;
}

export type RowChange =
  | { readonly kind: "added" | "removed"; readonly row: string }
  | { readonly kind: "changed"; readonly before: string; readonly after: string };

/** Characters of rows kept in memory per version; past it, rows go to files by key hash. */
const IN_MEMORY_CHARS = 8 * 1024 * 1024;
const BUCKETS = 256;

/**
 * Compares two versions of a table's rows: by primary key (`key` picks its fields from a COPY
 * line), or as multisets of whole rows when there is none. Memory stays bounded: past 8 M characters a
 * version's rows go to 256 temporary files by the hash of their key, and each pair of files is
 * compared on its own.
 */
export async function diffRows(
  before: AsyncIterable<string>,
  after: AsyncIterable<string>,
  key: ((row: string) => string) | null,
  onChange?: (c: RowChange) => void,
): Promise<RowCounts> {
  const keyOf = key ?? ((row: string) => row);
  const dir = await mkdtemp(join(tmpdir(), "tablesnap-diff-"));
  try {
    const a = await spill(before, keyOf, join(dir, "a"));
    const b = await spill(after, keyOf, join(dir, "b"));
    const counts: RowCounts = { added: 0, removed: 0, changed: 0 };
    for (let i = 0; i < a.buckets.length; i++) {
      const left = await load(a.buckets[i] ?? [], a.files?.[i], key === null);
      await compare(left, b.buckets[i] ?? [], b.files?.[i], key === null, counts, onChange);
    }
    return counts;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A row with its key, as one line: `key NUL row`. The key is taken while its version is read,
 * since each version has its own column order. COPY text never holds a NUL byte.
 */
type Keyed = string;
const SEP = "\u0000";

function split(line: Keyed): { key: string; row: string } {
  const i = line.indexOf(SEP);
  return { key: line.slice(0, i), row: line.slice(i + 1) };
}

interface Spilled {
  /** Keyed rows kept in memory, per bucket (all of them while the version is small). */
  readonly buckets: Keyed[][];
  /** Temporary files, per bucket, once the version grew past the memory bound. */
  readonly files: string[] | undefined;
}

async function spill(
  rows: AsyncIterable<string>,
  keyOf: (row: string) => string,
  base: string,
): Promise<Spilled> {
  let kept: Keyed[] = [];
  let bytes = 0;
  let files: string[] | undefined;
  let streams: WriteStream[] | undefined;
  for await (const row of rows) {
    const key = keyOf(row);
    const line = `${key}${SEP}${row}`;
    if (!streams) {
      kept.push(line);
      bytes += line.length;
      if (bytes <= IN_MEMORY_CHARS) continue;
      files = Array.from({ length: BUCKETS }, (_, i) => `${base}.${i}`);
      streams = files.map((f) => createWriteStream(f));
      for (const l of kept) await put(streams, split(l).key, l);
      kept = [];
      continue;
    }
    await put(streams, key, line);
  }
  if (streams) await Promise.all(streams.map((s) => new Promise<void>((ok) => s.end(() => ok()))));
  const buckets: Keyed[][] = Array.from({ length: BUCKETS }, () => []);
  for (const l of kept) buckets[bucketOf(split(l).key)]?.push(l);
  return { buckets, files };
}

async function put(streams: WriteStream[], key: string, line: Keyed): Promise<void> {
  const s = streams[bucketOf(key)] as WriteStream;
  if (!s.write(`${line}\n`)) await new Promise<void>((ok) => s.once("drain", () => ok()));
}

function bucketOf(key: string): number {
  return createHash("md5").update(key).digest().readUInt16BE(0) % BUCKETS;
}

async function* rowsOf(inMemory: readonly Keyed[], file: string | undefined) {
  for (const l of inMemory) yield split(l);
  if (!file) return;
  const rl = createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of rl) yield split(line);
}

/** One bucket of the first version: key → row (by key), or row → count (as a multiset). */
async function load(
  inMemory: readonly Keyed[],
  file: string | undefined,
  multiset: boolean,
): Promise<Map<string, string | number>> {
  const out = new Map<string, string | number>();
  for await (const { key, row } of rowsOf(inMemory, file)) {
    if (multiset) out.set(row, ((out.get(row) as number | undefined) ?? 0) + 1);
    else out.set(key, row);
  }
  return out;
}

async function compare(
  left: Map<string, string | number>,
  inMemory: readonly Keyed[],
  file: string | undefined,
  multiset: boolean,
  counts: RowCounts,
  onChange: ((c: RowChange) => void) | undefined,
): Promise<void> {
  for await (const { key: k, row } of rowsOf(inMemory, file)) {
    if (multiset) {
      const n = (left.get(row) as number | undefined) ?? 0;
      if (n > 1) left.set(row, n - 1);
      else if (n === 1) left.delete(row);
      else {
        counts.added++;
        onChange?.({ kind: "added", row });
      }
      continue;
    }
    const old = left.get(k) as string | undefined;
    if (old === undefined) {
      counts.added++;
      onChange?.({ kind: "added", row });
    } else {
      left.delete(k);
      if (old !== row) {
        counts.changed++;
        onChange?.({ kind: "changed", before: old, after: row });
      }
    }
  }
  for (const [k, v] of left) {
    const n = multiset ? (v as number) : 1;
    counts.removed += n;
    for (let i = 0; i < n; i++) onChange?.({ kind: "removed", row: multiset ? k : (v as string) });
  }
}
