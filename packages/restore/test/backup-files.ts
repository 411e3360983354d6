import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, realpath, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Manifest,
  manifestFiles,
  parseManifest,
  plainPath,
  serializeManifest,
} from "@tablesnap/core";
import { backupToFolder } from "./helpers.ts";

/** A copy of a backup folder (symlinks followed) to change without touching the original. */
export async function copyBackup(folder: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), "tsnap-copy-")), "backup");
  await cp(await realpath(folder), dir, { recursive: true, dereference: true });
  return dir;
}

export async function readManifest(dir: string): Promise<Manifest> {
  return parseManifest(await readFile(join(dir, "manifest.json"), "utf8"));
}

/**
 * Rewrites one file of a backup folder and records its new sha256 and size in manifest.json, so
 * the restore's checks pass and only what the file says differs.
 */
export async function rewriteChecked(
  dir: string,
  path: string,
  edit: (text: string) => string,
): Promise<void> {
  const before = await readFile(join(dir, path), "utf8");
  const after = edit(before);
  if (after === before) throw new Error(`${path}: the edit changed nothing`);
  await writeFile(join(dir, path), after);
  const manifest = await readManifest(dir);
  const entry = manifestFiles(manifest).find((f) => f.path === path);
  if (!entry) throw new Error(`${path}: not in manifest.json`);
  entry.sha256 = createHash("sha256").update(after).digest("hex");
  entry.bytes = Buffer.byteLength(after);
  await writeFile(join(dir, "manifest.json"), serializeManifest(manifest));
}

/** `text` with `from` replaced by `to`, which must be there exactly once. */
export function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error(`expected exactly one ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/**
 * Backs up the database at `url` again and lists every file whose sha256 differs from the
 * backup `manifest` describes (schema files, data, sequences, the order of the entries, which
 * materialized views hold data): empty when the database holds what the backup holds.
 * Left out: `roles.sql` (roles belong to the whole server, which other tests change) and the
 * `.dump` archives (pg_dump writes the time into them).
 */
export async function differencesFrom(manifest: Manifest, url: string): Promise<string[]> {
  const again = await backupToFolder(url);
  try {
    // An encrypted backup is compared by its plaintext.
    const compared = (m: Manifest) =>
      manifestFiles(m)
        .map((f) => ({ path: plainPath(f.path), sha256: f.plain?.sha256 ?? f.sha256 }))
        .filter((f) => f.path !== "roles.sql" && !f.path.endsWith(".dump"));
    const want = compared(manifest);
    const got = new Map(compared(again.manifest).map((f) => [f.path, f.sha256]));
    const out = want.filter((f) => got.get(f.path) !== f.sha256).map((f) => f.path);
    for (const path of got.keys())
      if (!want.some((f) => f.path === path)) out.push(`extra ${path}`);
    const views = (m: Manifest) => JSON.stringify(m.materialized_views ?? []);
    if (views(manifest) !== views(again.manifest)) out.push("materialized_views");
    return out;
  } finally {
    await again.remove();
  }
}
