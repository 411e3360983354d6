import type { StorageBucketEntry } from "@tablesnap/core";
import { decrypting, type Identities } from "@tablesnap/encryption";
import { type ObjectRecord, parseListing } from "./listing.ts";

/** Reads a file of the backup folder, as a restore's or verify's reader does. */
export type ReadBackupFile = (path: string) => AsyncIterable<Uint8Array>;

/** A bucket's listing from the backup, opened with `identities` when it is encrypted. */
export async function readListing(
  read: ReadBackupFile,
  bucket: StorageBucketEntry,
  identities: Identities,
): Promise<ObjectRecord[]> {
  const file = bucket.files[0];
  if (!file) return [];
  const raw = read(file.path);
  const body = file.recipients ? decrypting(raw, identities, file.path, file.recipients) : raw;
  const chunks: Uint8Array[] = [];
  for await (const c of body) chunks.push(c);
  return parseListing(Buffer.concat(chunks).toString("utf8"), file.path);
}

/**
 * The stored bytes of a file, decrypted when the store holds ciphertext. A stored file keeps the
 * recipients of the backup that first stored it, so any identity given is tried (age says when
 * none opens it).
 */
export function openStored(
  read: ReadBackupFile,
  path: string,
  encrypted: boolean,
  identities: Identities,
): AsyncIterable<Uint8Array> {
  if (!encrypted) return read(path);
  return decrypting(read(path), identities, path, [...identities.recipients]);
}
