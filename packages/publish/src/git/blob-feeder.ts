import type { ArtifactStore } from "@tablesnap/artifacts";
import type { FileEntry } from "@tablesnap/core";
import { type PreviousFile, previousFile } from "../plan.ts";
import { FastImportLane } from "./fast-import-lane.ts";

/**
 * Writes artifacts into the repository's object store while the dump is still running: each file
 * goes, as soon as it is complete, to the least busy of a few `git fast-import` processes, so
 * hashing and compressing overlap with copying and use more than one core. Files the previous
 * backup already holds with the same sha256 are not sent. `finish()` returns the blob SHA of every
 * file offered, by path, for the commit to reference. Encrypted files go to lanes of their own
 * that store without zlib: ciphertext does not compress.
 */
export class BlobFeeder {
  readonly #lanes: FastImportLane[];
  /** Lanes storing ciphertext uncompressed, started with the first encrypted file. */
  #sealed: FastImportLane[] = [];
  readonly #newLanes: (level: 0 | 1) => FastImportLane[];
  readonly #previous: ReadonlyMap<string, PreviousFile>;
  readonly #reused = new Map<string, string>();

  constructor(
    gitDir: string,
    artifacts: ArtifactStore,
    previous: ReadonlyMap<string, PreviousFile>,
    lanes = 2,
  ) {
    this.#previous = previous;
    this.#newLanes = (level) =>
      Array.from(
        { length: Math.max(1, lanes) },
        () => new FastImportLane(gitDir, artifacts, level),
      );
    this.#lanes = this.#newLanes(1);
  }

  /** Queues a finished file; returns at once. */
  offer(entry: FileEntry): void {
    const same = previousFile(this.#previous, entry);
    // An unchanged encrypted file will reuse the old ciphertext, if the branch still holds it
    // when the commit is planned: its new ciphertext is not written (it would be a new blob).
    if (same && entry.plain) return;
    if (same) {
      this.#reused.set(entry.path, same.blob);
      return;
    }
    if (entry.plain && this.#sealed.length === 0) this.#sealed = this.#newLanes(0);
    const pool = entry.plain ? this.#sealed : this.#lanes;
    const lane = pool.reduce((a, b) => (b.pending < a.pending ? b : a));
    lane.add(entry);
  }

  /** Waits for every queued file and returns path → blob SHA for everything offered. */
  async finish(): Promise<Map<string, string>> {
    const all = [...this.#lanes, ...this.#sealed];
    const results = await Promise.allSettled(all.map((l) => l.finish()));
    const out = new Map(this.#reused);
    for (const r of results) {
      if (r.status === "rejected") throw r.reason;
      for (const [path, sha] of r.value) out.set(path, sha);
    }
    return out;
  }

  /** Stops without writing anything the repository will use. */
  async abort(): Promise<void> {
    await Promise.all([...this.#lanes, ...this.#sealed].map((l) => l.abort()));
  }
}
