import {
  type FileEntry,
  MANIFEST_FILE,
  type Manifest,
  manifestFiles,
  messageOf,
  parseManifest,
  plainPath,
} from "@tablesnap/core";
import {
  CiphertextError,
  canOpen,
  decrypting,
  type Identities,
  NO_IDENTITIES,
} from "@tablesnap/encryption";
import { digest, digestOf, mismatch, readAll } from "./read.ts";
import type { BackupReader, Problem, VerifyReport } from "./types.ts";

/**
 * Re-hashes every file of a backup and checks it against `manifest.json`: every listed file is
 * there with its size and sha256, no file is there that the manifest does not list, and every
 * table has its schema file (and, unless partitioned, its data).
 */
export async function verifyBackup(
  reader: BackupReader,
  ids: Identities = NO_IDENTITIES,
): Promise<VerifyReport> {
  const present = new Set(await reader.list());
  const problems: Problem[] = [];
  let manifest: Manifest;
  try {
    if (!present.has(MANIFEST_FILE)) throw new Error("not found");
    manifest = parseManifest(await readText(reader, MANIFEST_FILE));
  } catch (e) {
    const message = `${MANIFEST_FILE}: ${messageOf(e).split("\n")[0]}`;
    return {
      ok: false,
      backupId: null,
      files: 0,
      bytes: 0,
      problems: [{ kind: "manifest", path: MANIFEST_FILE, message }],
      unopened: 0,
    };
  }
  const listed = manifestFiles(manifest);
  const seen = new Set<string>();
  let bytes = 0;
  let unopened = 0;
  for (const f of listed) {
    if (seen.has(f.path)) {
      problems.push({
        kind: "manifest",
        path: f.path,
        message: `${f.path}: listed twice in ${MANIFEST_FILE}`,
      });
      continue;
    }
    seen.add(f.path);
    if (!present.has(f.path)) {
      problems.push({ kind: "missing", path: f.path, message: `${f.path}: missing` });
      continue;
    }
    const got = await digest(reader, f.path);
    bytes += got.bytes;
    const bad = mismatch(f, got);
    if (bad)
      problems.push({
        kind: got.bytes !== f.bytes ? "size" : "checksum",
        path: f.path,
        message: bad,
      });
    else if (f.plain && !canOpen(ids, f.recipients ?? [])) unopened++;
    else if (f.plain) {
      const message = await plaintextMismatch(reader, f, ids);
      if (message) problems.push({ kind: "checksum", path: f.path, message });
    }
  }
  for (const p of present) {
    if (p !== MANIFEST_FILE && !seen.has(p))
      problems.push({ kind: "unexpected", path: p, message: `${p}: not in ${MANIFEST_FILE}` });
  }
  for (const t of manifest.tables) {
    const names = t.files.map((f) => plainPath(f.path));
    const label = `table ${t.schema}.${t.name}`;
    if (!names.includes(`${t.path}/schema.sql`)) {
      problems.push({
        kind: "table",
        path: t.path,
        message: `${t.path}: ${label} has no schema.sql`,
      });
    }
    if (t.kind !== "partitioned" && !names.includes(`${t.path}/data.sql`)) {
      problems.push({
        kind: "table",
        path: t.path,
        message: `${t.path}: ${label} has no data.sql`,
      });
    }
    const outside = names.filter((n) => !n.startsWith(`${t.path}/`));
    for (const n of outside)
      problems.push({
        kind: "table",
        path: n,
        message: `${n}: listed under ${label} but outside its folder`,
      });
  }
  return {
    ok: problems.length === 0,
    backupId: manifest.backup_id,
    files: seen.size,
    bytes,
    problems,
    unopened,
  };
}

/** Why an encrypted file's plaintext is not what the manifest says, or null when it is. */
async function plaintextMismatch(
  reader: BackupReader,
  f: FileEntry,
  ids: Identities,
): Promise<string | null> {
  const plain = { path: `${f.path} (plaintext)`, ...(f.plain ?? f) };
  try {
    const got = await digestOf(decrypting(reader.read(f.path), ids, f.path, f.recipients ?? []));
    return mismatch(plain, got);
  } catch (e) {
    if (e instanceof CiphertextError) return e.message;
    throw e;
  }
}

async function readText(reader: BackupReader, path: string): Promise<string> {
  return (await readAll(reader, path)).toString("utf8");
}
