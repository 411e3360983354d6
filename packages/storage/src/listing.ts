import { toFolderName, UsageError } from "@tablesnap/core";

/** One object as the backup keeps it: a line of `storage/<bucket>/objects.jsonl`. */
export interface ObjectRecord {
  readonly key: string;
  readonly size: number;
  /** Of the object's bytes: where the file store keeps them. */
  readonly sha256: string;
  readonly etag: string;
  readonly last_modified: string;
  readonly content_type: string | null;
  readonly cache_control: string | null;
  /** User metadata (`x-amz-meta-*`), keys sorted. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The `storage.objects` row of this object in the database snapshot; null when none. */
  readonly row_id: string | null;
  /** Present (true) when the object was written after the database snapshot was taken. */
  readonly changed_during_backup?: true;
}

/**
 * A bucket's folder in a backup folder: beside the `storage` schema's own files, under
 * `buckets/`, which the schema's layout (`schema.sql`, `tables/`, …) never uses.
 */
export function bucketFolder(bucket: string): string {
  return `storage/buckets/${toFolderName(bucket)}`;
}

/** Where a bucket's listing lives in a backup folder. */
export function listingPath(bucket: string): string {
  return `${bucketFolder(bucket)}/objects.jsonl`;
}

/** One JSON object a line, sorted by key (code points), fields in one order: deterministic. */
export function serializeListing(records: readonly ObjectRecord[]): string {
  const sorted = [...records].sort((a, b) => compareKeys(a.key, b.key));
  return sorted
    .map((r) =>
      JSON.stringify({
        key: r.key,
        size: r.size,
        sha256: r.sha256,
        etag: r.etag,
        last_modified: r.last_modified,
        content_type: r.content_type,
        cache_control: r.cache_control,
        metadata: r.metadata,
        row_id: r.row_id,
        ...(r.changed_during_backup ? { changed_during_backup: true } : {}),
      }),
    )
    .map((l) => `${l}\n`)
    .join("");
}

export function parseListing(text: string, where: string): ObjectRecord[] {
  const out: ObjectRecord[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    let r: ObjectRecord;
    try {
      r = JSON.parse(line) as ObjectRecord;
    } catch {
      throw new UsageError(`${where}: line ${i + 1} is not JSON`);
    }
    if (typeof r.key !== "string" || !/^[0-9a-f]{64}$/.test(String(r.sha256)))
      throw new UsageError(`${where}: line ${i + 1} has no key or sha256`);
    out.push(r);
  }
  return out;
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Where the file store keeps the bytes with this sha256 (`.age` when they are encrypted). */
export function contentPath(sha256: string, encrypted: boolean): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256}${encrypted ? ".age" : ""}`;
}
