import { createHash } from "node:crypto";
import type { EntryMode, TreeEntry } from "../types.ts";

/** Git's object hashing and tree encoding, in memory: SHAs equal what `git` computes. */
export class ObjectDb {
  readonly #objects = new Map<string, { type: "blob" | "tree" | "commit"; data: Buffer }>();

  put(type: "blob" | "tree" | "commit", data: Buffer): string {
    const sha = objectSha(type, data);
    if (!this.#objects.has(sha)) this.#objects.set(sha, { type, data });
    return sha;
  }

  get(sha: string): { type: "blob" | "tree" | "commit"; data: Buffer } | undefined {
    return this.#objects.get(sha);
  }

  putTree(entries: readonly TreeEntry[]): string {
    return this.put("tree", encodeTree(entries));
  }

  readTree(sha: string): TreeEntry[] {
    const o = this.get(sha);
    if (o?.type !== "tree") throw new Error(`not a tree: ${sha}`);
    const out: TreeEntry[] = [];
    let i = 0;
    while (i < o.data.length) {
      const sp = o.data.indexOf(0x20, i);
      const nul = o.data.indexOf(0, sp);
      const mode = o.data.subarray(i, sp).toString();
      out.push({
        mode: (mode === "40000" ? "040000" : mode) as EntryMode,
        name: o.data.subarray(sp + 1, nul).toString("utf8"),
        sha: o.data.subarray(nul + 1, nul + 21).toString("hex"),
      });
      i = nul + 21;
    }
    return out;
  }

  /** The tree entry at `path` below `tree`, or undefined. */
  lookup(tree: string, path: string): TreeEntry | undefined {
    let current: TreeEntry = { name: "", mode: "040000", sha: tree };
    for (const part of path.split("/").filter(Boolean)) {
      if (current.mode !== "040000") return undefined;
      const next = this.readTree(current.sha).find((e) => e.name === part);
      if (!next) return undefined;
      current = next;
    }
    return current;
  }
}

/** The SHA git gives an object: sha1 of `<type> <length>\0` and the bytes. */
export function objectSha(type: "blob" | "tree" | "commit", data: Uint8Array): string {
  return createHash("sha1").update(`${type} ${data.length}\0`).update(data).digest("hex");
}

/** A tree object's bytes, entries in git's order. */
export function encodeTree(entries: readonly TreeEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
  return Buffer.concat(
    sorted.flatMap((e) => [
      Buffer.from(`${e.mode === "040000" ? "40000" : e.mode} ${e.name}\0`, "utf8"),
      Buffer.from(e.sha, "hex"),
    ]),
  );
}

/** Git sorts tree entries by name bytes, with folders compared as if they ended in `/`. */
function sortKey(e: TreeEntry): Buffer {
  return Buffer.from(e.mode === "040000" ? `${e.name}/` : e.name, "utf8");
}
