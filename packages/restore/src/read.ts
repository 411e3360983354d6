import { createHash } from "node:crypto";
import { type FileEntry, MANIFEST_FILE, type Manifest, parseManifest } from "@tablesnap/core";
import { CiphertextError } from "@tablesnap/encryption";
import { BackupIntegrityError } from "./errors.ts";
import type { BackupReader } from "./types.ts";

export interface Digest {
  readonly sha256: string;
  readonly bytes: number;
}

/** sha256 and size of one file, read as a stream. */
export async function digest(reader: BackupReader, path: string): Promise<Digest> {
  return digestOf(reader.read(path));
}

/** sha256 and size of a stream of bytes. */
export async function digestOf(source: AsyncIterable<Uint8Array>): Promise<Digest> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

export async function readAll(reader: BackupReader, path: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of reader.read(path)) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Why `got` is not the file the manifest lists, or null when it is. */
export function mismatch(f: FileEntry, got: Digest): string | null {
  if (got.bytes !== f.bytes) return `${f.path}: ${got.bytes} bytes, manifest says ${f.bytes}`;
  if (got.sha256 !== f.sha256) return `${f.path}: sha256 ${got.sha256}, manifest says ${f.sha256}`;
  return null;
}

/**
 * Checks every file a restore will use before the first statement reaches the target. Small
 * files (scripts) are kept in memory, so what runs is exactly the bytes that were checked; data
 * files are streamed again when loaded, and re-hashed then (see `copy-load.ts`).
 */
export async function checkFiles(
  reader: BackupReader,
  files: readonly FileEntry[],
  keep: (f: FileEntry) => boolean,
): Promise<{ texts: Map<string, string>; problems: string[] }> {
  const present = new Set(await reader.list());
  const texts = new Map<string, string>();
  const problems: string[] = [];
  for (const f of files) {
    if (!present.has(f.path)) {
      problems.push(`${f.path}: missing`);
      continue;
    }
    try {
      const bad = await checkFile(reader, f, keep(f), texts);
      if (bad) problems.push(bad);
    } catch (e) {
      // A ciphertext that fails age's authentication is damaged like a file with a bad sha256.
      if (!(e instanceof CiphertextError)) throw e;
      problems.push(e.message);
    }
  }
  return { texts, problems };
}

async function checkFile(
  reader: BackupReader,
  f: FileEntry,
  keep: boolean,
  texts: Map<string, string>,
): Promise<string | null> {
  if (!keep) return mismatch(f, await digest(reader, f.path));
  const buf = await readAll(reader, f.path);
  const bad = mismatch(f, {
    bytes: buf.length,
    sha256: createHash("sha256").update(buf).digest("hex"),
  });
  if (!bad) texts.set(f.path, buf.toString("utf8"));
  return bad;
}

/** The backup's manifest; an unreadable or invalid one is an integrity error, like a bad file. */
export async function readManifest(reader: BackupReader): Promise<Manifest> {
  try {
    return parseManifest((await readAll(reader, MANIFEST_FILE)).toString("utf8"));
  } catch (e) {
    throw new BackupIntegrityError([
      `manifest.json: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`,
    ]);
  }
}
