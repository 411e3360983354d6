import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FileEntry } from "@tablesnap/core";
import type { Tx } from "@tablesnap/dump";
import { BackupIntegrityError, ScriptError } from "./errors.ts";
import { mismatch } from "./read.ts";
import type { BackupReader } from "./types.ts";

const COPY_LINE = /^COPY .* FROM stdin;\n/m;
const HEAD_LIMIT = 1 << 20;
/** A statement failed: which file and which statement, for the error report. */
export type OnStatement = (statement: string) => void;

/**
 * Loads one data file (`SET …; COPY … FROM stdin;` rows `\.` then `setval` lines) through
 * COPY, streaming: the rows go to the server as they are read, never whole into memory. The
 * bytes are hashed on the way and a file that differs from the manifest fails before the
 * transaction can commit.
 */
export async function loadDataFile(
  tx: Tx,
  reader: BackupReader,
  file: FileEntry,
  onStatement: OnStatement,
  onBytes: (n: number) => void,
  /** Rewrites the trailing statements (`setval`) before they run; a dry run defuses them. */
  trailer: (sql: string) => string = (sql) => sql,
): Promise<void> {
  const hash = createHash("sha256");
  let size = 0;
  const chunks = reader.read(file.path)[Symbol.asyncIterator]();
  const next = async (): Promise<Buffer | null> => {
    const r = await chunks.next();
    if (r.done) return null;
    // A view, not a copy: the bytes go on to COPY as they are.
    const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    hash.update(b);
    size += b.length;
    onBytes(b.length);
    return b;
  };

  // The head (a SET line and the COPY statement) is small: gather it whole. latin1 keeps string
  // offsets equal to byte offsets.
  let buf = Buffer.alloc(0);
  let m = COPY_LINE.exec("");
  while (!m) {
    const c = buf.length < HEAD_LIMIT ? await next() : null;
    if (!c) throw new ScriptError(`${file.path}: no "COPY … FROM stdin;" statement`);
    buf = Buffer.concat([buf, c]);
    m = COPY_LINE.exec(buf.toString("latin1"));
  }
  const head = buf.subarray(0, m.index).toString("utf8");
  const copy = buf.subarray(m.index, m.index + m[0].length - 1).toString("utf8");
  onStatement(head);
  if (head.trim() !== "") await tx.unsafe(head);
  onStatement(copy);
  const sink = await tx.unsafe(copy).writable();
  const first = buf.subarray(m.index + m[0].length);
  let tail: Buffer[] = [];
  // A COPY the server refuses part-way rejects here (postgres.js is patched for that: see
  // docs/decisions.md, "postgres.js is patched").
  await pipeline(Readable.from(copyRows(first, next, (t) => (tail = t))), sink);
  for (let c = await next(); c; c = await next()) tail.push(c);
  const got = { bytes: size, sha256: hash.digest("hex") };
  const bad = mismatch(file, got);
  if (bad) throw new BackupIntegrityError([`${bad} (changed while it was being restored)`]);
  const rest = Buffer.concat(tail).toString("utf8");
  if (rest.trim() !== "") {
    onStatement(rest);
    await tx.unsafe(trailer(rest));
  }
}

/**
 * The COPY rows of a data file up to its `\.` line. Text-format COPY escapes every backslash in
 * data, so a line that is exactly `\.` can only be the end marker.
 */
export async function* copyRows(
  first: Buffer,
  next: () => Promise<Buffer | null>,
  setTail: (tail: Buffer[]) => void,
): AsyncGenerator<Buffer> {
  // Chunks are passed on as they are (no copying); only the last bytes of each wait in `carry`,
  // since the end marker may straddle two chunks.
  let carry: Buffer = Buffer.alloc(0);
  // Whether the first byte not yet passed on starts a line (the COPY line ended with a newline).
  let lineStart = true;
  for (let chunk: Buffer | null = first; chunk !== null; chunk = await next()) {
    if (carry.length > 0 && chunk.length < MARK.length) {
      chunk = Buffer.concat([carry, chunk]);
      carry = Buffer.alloc(0);
    }
    if (carry.length > 0) {
      const junction = Buffer.concat([carry, chunk.subarray(0, MARK.length)]);
      const at = findEnd(junction, lineStart);
      if (at >= 0 && at < carry.length) {
        if (at > 0) yield carry.subarray(0, at);
        setTail([junction.subarray(at + MARK.length), chunk.subarray(MARK.length)]);
        return;
      }
      yield carry;
      lineStart = carry[carry.length - 1] === 0x0a;
    }
    const at = findEnd(chunk, lineStart);
    if (at >= 0) {
      if (at > 0) yield chunk.subarray(0, at);
      setTail([chunk.subarray(at + MARK.length)]);
      return;
    }
    const cut = Math.max(0, chunk.length - MARK.length);
    if (cut > 0) {
      yield chunk.subarray(0, cut);
      lineStart = chunk[cut - 1] === 0x0a;
    }
    carry = chunk.subarray(cut);
  }
  throw new ScriptError("a COPY block ends without its \\. line");
}

const MARK = Buffer.from("\\.\n");

/** Index of a line that is exactly `\.`, or -1. */
function findEnd(b: Buffer, lineStart: boolean): number {
  for (let i = b.indexOf(MARK); i >= 0; i = b.indexOf(MARK, i + 1)) {
    if (i === 0 ? lineStart : b[i - 1] === 0x0a) return i;
  }
  return -1;
}
