import {
  encryptedPath,
  type FileEntry,
  type Manifest,
  mapManifestFiles,
  plainPath,
} from "@tablesnap/core";
import { decrypting, type Identities } from "@tablesnap/encryption";
import type { BackupReader } from "./types.ts";

/** A backup as its plaintext: what restore and drill work on. */
export interface PlainView {
  /** Every encrypted file listed under its plain name with its plaintext's sha256 and size. */
  readonly manifest: Manifest;
  /** Reads an encrypted file by its plain name, decrypted with the identities given. */
  readonly reader: BackupReader;
}

/**
 * Shows an encrypted backup as if it were not: restore, drill and their checks read plain names,
 * sizes and checksums. An encrypted file keeps `recipients` in the view, and reading it without
 * a matching identity fails naming the file and them; a tampered one fails age's check.
 */
export function plainView(stored: Manifest, reader: BackupReader, ids: Identities): PlainView {
  const encrypted = new Map<string, FileEntry>();
  const manifest = mapManifestFiles(stored, (f) => {
    if (!f.plain) return f;
    const plain = { path: plainPath(f.path), ...f.plain, recipients: f.recipients ?? [] };
    encrypted.set(plain.path, f);
    return plain;
  });
  if (encrypted.size === 0) return { manifest, reader };
  const storedNames = new Set([...encrypted.keys()].map(encryptedPath));
  return {
    manifest,
    reader: {
      location: reader.location,
      list: async () => (await reader.list()).map((p) => (storedNames.has(p) ? plainPath(p) : p)),
      read(path) {
        const f = encrypted.get(path);
        if (!f) return reader.read(path);
        return decrypting(reader.read(f.path), ids, path, f.recipients ?? []);
      },
    },
  };
}
