import type { TableInfo } from "./catalog.ts";
import type { Tx } from "./connect.ts";

/** Tables estimated at this size or more are copied in key ranges, which can run in parallel. */
export const SPLIT_TABLE_BYTES = 512 * 1024 * 1024;
/** About this much of a split table goes into one key range. */
export const RANGE_BYTES = 256 * 1024 * 1024;
/**
 * Range `i` (0-based) numbers its data parts from `i * PART_STRIDE + 1`: `data.sql`, …, then
 * `data.part-10001.sql`, …, so every reader that orders parts by number reads them in key order.
 */
export const PART_STRIDE = 10_000;

/** Rows of a table whose first key column is in `[from, to)`; an open end is unbounded. */
export interface KeyRange {
  /** 0-based, in key order. */
  readonly index: number;
  /** The quoted key column. */
  readonly column: string;
  readonly from: bigint | null;
  readonly to: bigint | null;
}

const INTEGER_TYPES = new Set(["smallint", "integer", "bigint"]);

/**
 * The key ranges `t` is copied in, read inside the run's snapshot, or null when it is copied in
 * one go: smaller than `SPLIT_TABLE_BYTES`, or its primary key does not start with an integer.
 *
 * The ranges depend only on the table's contents, never on how many copies run at once, so the
 * same rows give the same files. They are aligned to a power-of-two width (wide enough for
 * `RANGE_BYTES` each at the table's present size): rows added past the last key change only the
 * last range, and the width changes only when the key span doubles or halves.
 */
export async function planKeyRanges(tx: Tx, t: TableInfo): Promise<KeyRange[] | null> {
  const column = t.primaryKey[0];
  if (!mayBeSplit(t) || column === undefined) return null;
  const [bounds] = await tx.unsafe<{ type: string; lo: string | null; hi: string | null }[]>(
    `SELECT pg_typeof(min(${column}))::text AS type, min(${column})::text AS lo, max(${column})::text AS hi FROM ONLY ${t.qname}`,
  );
  if (!bounds || !INTEGER_TYPES.has(bounds.type) || bounds.lo === null || bounds.hi === null)
    return null;
  return keyRanges(column, BigInt(bounds.lo), BigInt(bounds.hi), t.bytesEstimate);
}

/** Whether `t` is big enough and keyed, so that its key's type is worth a look. */
export function mayBeSplit(t: TableInfo): boolean {
  return t.bytesEstimate >= SPLIT_TABLE_BYTES && t.primaryKey.length > 0;
}

/** The ranges covering keys `lo..hi` of a table of `bytes`; the first and last are open-ended. */
export function keyRanges(column: string, lo: bigint, hi: bigint, bytes: number): KeyRange[] {
  const count = BigInt(Math.max(1, Math.ceil(bytes / RANGE_BYTES)));
  const span = hi - lo + 1n;
  let width = 1n;
  while (width * count < span) width *= 2n;
  const start = floorDiv(lo, width) * width;
  const out: KeyRange[] = [];
  for (let from = start; from <= hi; from += width) {
    const index = out.length;
    const last = from + width > hi;
    out.push({ index, column, from: index === 0 ? null : from, to: last ? null : from + width });
  }
  return out;
}

/** `WHERE` clause of a range, or "" for one that is open at both ends. */
export function rangeCondition(r: KeyRange): string {
  const parts = [
    ...(r.from === null ? [] : [`${r.column} >= ${r.from}`]),
    ...(r.to === null ? [] : [`${r.column} < ${r.to}`]),
  ];
  return parts.length === 0 ? "" : ` WHERE ${parts.join(" AND ")}`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
