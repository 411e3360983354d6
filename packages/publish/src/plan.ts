import {
  archiveFolderName,
  type FileEntry,
  latestFolderName,
  type Manifest,
  manifestFiles,
  mapManifestFiles,
  parseManifest,
  serializeManifest,
} from "@tablesnap/core";
import type { BackupRepo, FileSource, TreeOp } from "./types.ts";

export const LATEST_DIR = "backups/latest";
export const ARCHIVE_DIR = "backups/archive";
export const LATEST_LINK = `${LATEST_DIR}/latest`;

/** What the branch holds now, as far as publishing cares. */
export interface BaseState {
  readonly latest: ReadonlyArray<{ folder: string; sha: string; manifest: Manifest | null }>;
  readonly archives: ReadonlyArray<{ folder: string; sha: string }>;
  /** Blob SHAs of the current latest's files by path inside it, with their manifest entries. */
  readonly reusable: ReadonlyMap<string, PreviousFile>;
}

export interface PreviousFile {
  readonly blob: string;
  readonly entry: FileEntry;
}

/**
 * The previous latest's copy of this file, when it may stand for it: the same bytes (path, size
 * and sha256), or, for an encrypted file, the same plaintext encrypted to the same recipients.
 * age output is random, so only reusing the old ciphertext keeps an unchanged file unchanged.
 */
export function previousFile(
  previous: BaseState["reusable"],
  f: FileEntry,
): PreviousFile | undefined {
  const same = previous.get(f.path);
  if (!same) return undefined;
  const p = same.entry;
  if (!f.plain) return !p.plain && p.sha256 === f.sha256 && p.bytes === f.bytes ? same : undefined;
  const samePlain = p.plain?.sha256 === f.plain.sha256 && p.plain.bytes === f.plain.bytes;
  const sameKeys = (p.recipients ?? []).join(" ") === (f.recipients ?? []).join(" ");
  return samePlain && sameKeys ? same : undefined;
}

export interface Retention {
  /** Keep at least the newest N archives. */
  readonly keep: number;
  /** Keep every archive younger than this many days. */
  readonly keepDays: number;
}

export interface PublishPlan {
  readonly ops: TreeOp[];
  readonly folder: string;
  readonly archived: string[];
  readonly pruned: string[];
  /** Files whose blob the branch already holds, so nothing is sent for them. */
  readonly reused: number;
  /** The manifest as committed: unchanged encrypted files name the ciphertext they reuse. */
  readonly manifest: Manifest;
}

export async function readBaseState(repo: BackupRepo, commit: string | null): Promise<BaseState> {
  if (!commit) return { latest: [], archives: [], reusable: new Map() };
  const latestEntries = (await repo.listTree(commit, LATEST_DIR)) ?? [];
  const latest = [];
  for (const e of latestEntries) {
    if (e.mode !== "040000" || !e.name.startsWith("latest_")) continue;
    const text = await repo.readFile(commit, `${LATEST_DIR}/${e.name}/manifest.json`);
    let manifest: Manifest | null = null;
    try {
      manifest = text ? parseManifest(new TextDecoder().decode(text)) : null;
    } catch {
      manifest = null;
    }
    latest.push({ folder: e.name, sha: e.sha, manifest });
  }
  const archives = ((await repo.listTree(commit, ARCHIVE_DIR)) ?? [])
    .filter((e) => e.mode === "040000")
    .map((e) => ({ folder: e.name, sha: e.sha }));
  const reusable = new Map<string, PreviousFile>();
  const newest = latest.at(-1);
  if (newest?.manifest) {
    const files = await repo.listFiles(commit, `${LATEST_DIR}/${newest.folder}`);
    for (const f of manifestFiles(newest.manifest)) {
      const blob = files?.get(f.path);
      if (blob) reusable.set(f.path, { blob, entry: f });
    }
  }
  return { latest, archives, reusable };
}

/**
 * Turns a backup into tree edits: its files go to `backups/latest/latest_<time>/` (files the
 * current latest already holds reuse its blobs, see `previousFile`), the symlink
 * `backups/latest/latest` points at it, the previous latest moves whole to
 * `backups/archive/<its own name>/`, and archives outside the retention are deleted.
 */
export function planBackup(
  base: BaseState,
  dumped: Manifest,
  retention: Retention,
  now: Date,
  /** Blobs already in the repository by file path (written while the dump ran). */
  written: ReadonlyMap<string, string> = new Map(),
): PublishPlan {
  const ops: TreeOp[] = [];
  const blobs = new Map<string, string>();
  const manifest = mapManifestFiles(dumped, (f) => {
    const prev = previousFile(base.reusable, f);
    if (!prev) return f;
    blobs.set(f.path, prev.blob);
    return prev.entry;
  });
  const taken = new Set(base.archives.map((a) => a.folder));
  const archived: string[] = [];
  const folder = unique(latestFolderName(manifest), (n) => base.latest.some((l) => l.folder === n));

  for (const old of base.latest) {
    const name = unique(
      old.manifest
        ? archiveFolderName(old.manifest)
        : `${old.folder.slice("latest_".length)}--unknown--manual--none`,
      (n) => taken.has(n),
    );
    taken.add(name);
    archived.push(name);
    ops.push({ op: "tree", path: `${ARCHIVE_DIR}/${name}`, sha: old.sha });
    ops.push({ op: "delete", path: `${LATEST_DIR}/${old.folder}` });
  }

  let reused = 0;
  const prefix = `${LATEST_DIR}/${folder}`;
  for (const f of manifestFiles(manifest)) {
    const unchanged = blobs.get(f.path);
    if (unchanged) reused++;
    const blob = unchanged ?? written.get(f.path);
    const source: FileSource = blob ? { kind: "blob", sha: blob } : artifact(f);
    ops.push({ op: "file", path: `${prefix}/${f.path}`, source });
  }
  ops.push({
    op: "file",
    path: `${prefix}/manifest.json`,
    source: { kind: "text", text: serializeManifest(manifest) },
  });
  ops.push({ op: "symlink", path: LATEST_LINK, target: folder });

  const pruned = pruneArchives([...taken], retention, now);
  for (const name of pruned) {
    if (archived.includes(name)) {
      // Moved and pruned in one go: drop the move instead of writing then deleting it.
      const i = ops.findIndex((o) => o.op === "tree" && o.path === `${ARCHIVE_DIR}/${name}`);
      if (i >= 0) ops.splice(i, 1);
    } else {
      ops.push({ op: "delete", path: `${ARCHIVE_DIR}/${name}` });
    }
  }
  const kept = archived.filter((a) => !pruned.includes(a));
  return { ops, folder, archived: kept, pruned, reused, manifest };
}

/**
 * An archive is deleted only when it is neither among the newest `keep` nor younger than
 * `keepDays` days (by the snapshot time its name starts with). Names that do not start with a
 * time are never deleted.
 */
export function pruneArchives(names: readonly string[], r: Retention, now: Date): string[] {
  const timed = names
    .map((name) => ({ name, time: timeOf(name) }))
    .filter((a): a is { name: string; time: number } => a.time !== null)
    .sort((a, b) => b.time - a.time || (a.name < b.name ? 1 : -1));
  const cutoff = now.getTime() - r.keepDays * 86_400_000;
  return timed.filter((a, i) => i >= r.keep && a.time < cutoff).map((a) => a.name);
}

function timeOf(name: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z/.exec(name);
  if (!m) return null;
  const t = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  return Number.isNaN(t) ? null : t;
}

/** `name`, else `name-2`, `name-3`, … : two backups in the same second both keep their folder. */
function unique(name: string, taken: (candidate: string) => boolean): string {
  let candidate = name;
  for (let n = 2; taken(candidate); n++) candidate = `${name}-${n}`;
  return candidate;
}

function artifact(f: FileEntry): FileSource {
  return { kind: "artifact", path: f.path, bytes: f.bytes };
}
