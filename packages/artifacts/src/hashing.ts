import { createHash, type Hash } from "node:crypto";

/** Counts bytes and hashes them as they pass, for writers of every adapter. */
export class Digest {
  readonly #hash: Hash = createHash("sha256");
  bytes = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  hex(): string {
    return this.#hash.digest("hex");
  }
}
