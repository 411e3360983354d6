/**
 * pg_dump's custom-format header holds the time the archive was made (seconds included), so two
 * dumps of the same unchanged schema differ in one byte, and every backup stored a new archive.
 * This rewrites that time to 1970-01-01 00:00:00 on the way through; the manifest keeps the
 * snapshot time. Nothing else in the header changes, and pg_restore reads it as before.
 */
export class ArchiveHeaderFixer {
  #head: Buffer[] = [];
  #headBytes = 0;
  #done = false;

  /** Feeds a chunk of pg_dump's output; returns what may be written on. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.#done) return [Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)];
    this.#head.push(Buffer.from(chunk));
    this.#headBytes += chunk.byteLength;
    if (this.#headBytes < HEADER_BYTES) return [];
    return this.flush();
  }

  /** Whatever is held back (a stream shorter than the header goes on unchanged). */
  flush(): Buffer[] {
    if (this.#done) return [];
    this.#done = true;
    const all = Buffer.concat(this.#head);
    this.#head = [];
    fixCreationTime(all);
    return all.length > 0 ? [all] : [];
  }
}

/** Enough for magic, versions, sizes, compression and the seven time fields of any version. */
const HEADER_BYTES = 64;
/** tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_isdst of 1970-01-01 00:00:00. */
const EPOCH_TM = [0, 0, 0, 1, 0, 70, 0];

/** Rewrites the creation time in place; leaves anything it does not recognise alone. */
export function fixCreationTime(b: Buffer): void {
  if (b.length < 12 || b.toString("latin1", 0, 5) !== "PGDMP") return;
  const major = b[5] ?? 0;
  const minor = b[6] ?? 0;
  const intSize = b[8] ?? 0;
  if (major !== 1 || intSize < 1 || intSize > 8) return;
  // Archive 1.15 (PostgreSQL 16) writes the compression algorithm as one byte, older ones an int.
  let at = 11 + (minor >= 15 ? 1 : 1 + intSize);
  if (b.length < at + EPOCH_TM.length * (1 + intSize)) return;
  for (const value of EPOCH_TM) {
    b[at] = 0; // sign
    for (let i = 0; i < intSize; i++) b[at + 1 + i] = (value >> (8 * i)) & 0xff;
    at += 1 + intSize;
  }
}
