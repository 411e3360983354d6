import type { Manifest } from "./manifest.ts";
import { safeSegment } from "./names.ts";

/** `2026-11-22T10:00:00.123Z` → `2026-11-22T10-00-00Z`: UTC, seconds, safe on every file system. */
export function folderTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not a time: ${iso}`);
  return `${d.toISOString().slice(0, 19).replaceAll(":", "-")}Z`;
}

/** `latest_<snapshot time>`: the folder a backup gets under `backups/latest/`. */
export function latestFolderName(m: Pick<Manifest, "snapshot">): string {
  return `latest_${folderTime(m.snapshot.time)}`;
}

/**
 * `{snapshot time}--{source}--{event}--{ref}` from the backup's own manifest (its first
 * trigger). Only safe characters; the exact values stay in `manifest.json`.
 */
export function archiveFolderName(m: Pick<Manifest, "snapshot" | "triggers">): string {
  const t = m.triggers[0];
  const source = t ? safeSegment(t.source.replaceAll("/", "-")) : "unknown";
  const event = t ? t.event : "manual";
  const ref = t ? safeSegment(/^[0-9a-f]{40}$/.test(t.ref) ? t.ref.slice(0, 7) : t.ref) : "none";
  return `${folderTime(m.snapshot.time)}--${source}--${event}--${ref}`;
}
