import type { ArtifactStore } from "@tablesnap/artifacts";
import {
  type FileEntry,
  manifestFiles,
  mapManifestFiles,
  plainPath,
  serializeManifest,
  TablesnapError,
} from "@tablesnap/core";
import { decrypting, encryptingStore, type Identities } from "@tablesnap/encryption";
import { LATEST_DIR, readBaseState } from "./plan.ts";
import type { BackupRepo, TreeOp } from "./types.ts";

export interface RekeyOptions {
  readonly repo: BackupRepo;
  readonly branch: string;
  /** The files of a backup folder of a commit, as stored. */
  readonly read: (commit: string, folder: string, path: string) => AsyncIterable<Uint8Array>;
  /** Keys that open the latest backup's encrypted files now. */
  readonly identities: Identities;
  /** Who can open them after: the new recipient set, sorted. */
  readonly recipients: readonly string[];
  /** Where the new ciphertext waits for the commit. */
  readonly staging: ArtifactStore;
  readonly author?: { name: string; email: string };
}

export interface RekeyResult {
  readonly commit: string;
  /** `backups/latest/<folder>`. */
  readonly folder: string;
  readonly files: number;
  readonly recipients: readonly string[];
}

/** Re-keying cannot go on: no backup, nothing encrypted, or a plaintext that is not the manifest's. */
export class RekeyError extends TablesnapError {
  constructor(message: string) {
    super("rekey", message);
  }
}

/**
 * Re-encrypts every encrypted file of the latest backup to a new recipient set and commits the
 * new ciphertext and manifest in one commit, in place. Archives keep the keys they had, and git
 * history keeps the old ciphertext until it is rewritten. Each plaintext is checked against the
 * manifest before anything is committed.
 */
export async function rekeyLatest(o: RekeyOptions): Promise<RekeyResult> {
  const head = await o.repo.head(o.branch);
  const latest = head ? (await readBaseState(o.repo, head)).latest.at(-1) : undefined;
  if (!head || !latest?.manifest)
    throw new RekeyError(`no backup on ${o.branch} to re-key (backups/latest/ has no manifest)`);
  const folder = `${LATEST_DIR}/${latest.folder}`;
  const encrypted = manifestFiles(latest.manifest).filter((f) => f.plain);
  if (encrypted.length === 0)
    throw new RekeyError(`${folder} holds no encrypted file: nothing to re-key`);
  const store = encryptingStore(o.staging, o.recipients, () => true);
  const replaced = new Map<string, FileEntry>();
  for (const f of encrypted) {
    const name = plainPath(f.path);
    const plain = decrypting(
      o.read(head, folder, f.path),
      o.identities,
      f.path,
      f.recipients ?? [],
    );
    const w = await store.openWriter(name);
    try {
      for await (const chunk of plain) await w.write(chunk);
      const entry = await w.close();
      if (entry.plain?.sha256 !== f.plain?.sha256 || entry.plain?.bytes !== f.plain?.bytes)
        throw new RekeyError(`${f.path}: its plaintext is not what the manifest lists`);
      replaced.set(f.path, entry);
    } catch (e) {
      await w.abort().catch(() => {});
      throw e;
    }
  }
  const manifest = mapManifestFiles(latest.manifest, (f) => replaced.get(f.path) ?? f);
  const ops: TreeOp[] = [...replaced.values()].map((f) => ({
    op: "file",
    path: `${folder}/${f.path}`,
    source: { kind: "artifact", path: f.path, bytes: f.bytes },
  }));
  ops.push({
    op: "file",
    path: `${folder}/manifest.json`,
    source: { kind: "text", text: serializeManifest(manifest) },
  });
  const r = await o.repo.commit({
    branch: o.branch,
    parent: head,
    ops,
    message: [
      `re-key ${latest.folder}: ${replaced.size} encrypted file(s) for ${o.recipients.length} recipient(s)`,
      "",
      ...o.recipients.map((r) => `Recipient: ${r}`),
    ].join("\n"),
    artifacts: o.staging,
    author: o.author ?? { name: "tablesnap", email: "tablesnap@localhost" },
  });
  return { commit: r.commit, folder, files: replaced.size, recipients: o.recipients };
}
