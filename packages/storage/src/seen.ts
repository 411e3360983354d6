import { createHash } from "node:crypto";
import { type ArtifactStore, readText, writeText } from "@tablesnap/artifacts";
import { toFolderName } from "@tablesnap/core";
import type { ObjectMeta } from "./source.ts";

/** What the file store remembers of an object it has read: enough to know it unchanged. */
export interface SeenObject {
  readonly etag: string;
  readonly size: number;
  readonly last_modified: string;
  readonly sha256: string;
  /** Its content type, cache control and user metadata; only when files are not encrypted. */
  readonly meta?: ObjectMeta;
}

/**
 * The file store's memory of each bucket's objects as last read, by the sha256 of their key: no
 * names, and metadata only when the files are not encrypted, so it says nothing of encrypted
 * ones. Only a cache: a lost one makes the next backup read every object again (and store none
 * it already holds).
 */
export class SeenIndex {
  readonly #store: ArtifactStore;
  constructor(store: ArtifactStore) {
    this.#store = store;
  }

  async load(bucket: string): Promise<Map<string, SeenObject>> {
    const text = await readText(this.#store, seenPath(bucket));
    if (text === null) return new Map();
    const out = new Map<string, SeenObject>();
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const { k, ...seen } = JSON.parse(line) as SeenObject & { k: string };
      out.set(k, seen);
    }
    return out;
  }

  async save(bucket: string, objects: ReadonlyMap<string, SeenObject>): Promise<void> {
    const lines = [...objects].map(([k, s]) => `${JSON.stringify({ k, ...s })}\n`);
    await writeText(this.#store, seenPath(bucket), lines.sort().join(""));
  }
}

export function keyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function seenPath(bucket: string): string {
  return `seen/${toFolderName(bucket)}.jsonl`;
}
