import { encodeTree, objectSha } from "../memory/objects.ts";
import type { EntryMode, TreeEntry } from "../types.ts";

/** Where the bytes of a blob that may be new come from. */
export type BlobBody =
  | { readonly kind: "artifact"; readonly path: string; readonly bytes: number }
  | { readonly kind: "text"; readonly text: string };

/** A file, symlink, submodule or whole folder (mode 040000) referenced by SHA. */
export interface Leaf {
  readonly mode: EntryMode;
  readonly sha: string;
  /** Set for blobs built from this commit's files: they may have to be sent. */
  readonly body?: BlobBody;
  /** Whether the bytes are UTF-8 text small enough to go inline in a tree request. */
  readonly inline?: boolean;
}

/** A folder being edited; its entries are read from the base only when an edit goes into it. */
export interface Dir {
  /**
   * The tree the request's base has at this path, when this folder is an edit of it; null when
   * it is built here (new, or a tree placed by an op and then edited).
   */
  readonly origin: string | null;
  /** The entries it started with (the same objects as in `entries` while untouched). */
  readonly start: ReadonlyMap<string, Leaf>;
  readonly entries: Map<string, Leaf | Dir>;
  /** Set by `seal()`; the empty tree's SHA for a folder left empty. */
  sha: string;
}

export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export const isDir = (x: Leaf | Dir): x is Dir => "entries" in x;

/**
 * The tree edits of one commit, applied in order the way `git fast-import` applies them, with
 * every folder's SHA computed locally: the commit's tree SHA is known before anything is sent,
 * and whatever GitHub builds is checked against it.
 */
export class TreeOverlay {
  readonly root: Dir;
  readonly #load: (sha: string) => Promise<readonly TreeEntry[]>;

  private constructor(root: Dir, load: (sha: string) => Promise<readonly TreeEntry[]>) {
    this.root = root;
    this.#load = load;
  }

  static async open(
    base: string | null,
    load: (sha: string) => Promise<readonly TreeEntry[]>,
  ): Promise<TreeOverlay> {
    const root = base ? dirOf(base, await load(base), true) : fresh();
    return new TreeOverlay(root, load);
  }

  async set(path: string, leaf: Leaf): Promise<void> {
    const { dir, name } = await this.#walk(path, true);
    dir?.entries.set(name, leaf);
  }

  async delete(path: string): Promise<void> {
    const { dir, name } = await this.#walk(path, false);
    dir?.entries.delete(name);
  }

  /** Computes every folder's SHA bottom-up and returns the root's. */
  seal(): string {
    return sealDir(this.root);
  }

  /** Every tree and blob SHA of the sealed result below folders built or edited here. */
  objects(): string[] {
    const out: string[] = [];
    const walk = (d: Dir) => {
      out.push(d.sha);
      for (const c of d.entries.values()) {
        if (isDir(c)) walk(c);
        else out.push(c.sha);
      }
    };
    walk(this.root);
    return out;
  }

  async #walk(path: string, create: boolean): Promise<{ dir: Dir | undefined; name: string }> {
    const parts = path.split("/").filter(Boolean);
    const name = parts.pop() ?? "";
    let dir = this.root;
    for (const part of parts) {
      const child = dir.entries.get(part);
      let next: Dir | undefined;
      if (child && isDir(child)) next = child;
      else if (child?.mode === "040000") {
        // Still the base's own entry: an edit of what the base holds there. Otherwise a tree an
        // op placed: its content is known, but the base does not hold it at this path.
        const tracked = dir.origin !== null && dir.start.get(part) === child;
        next = dirOf(child.sha, await this.#load(child.sha), tracked);
      } else if (create) next = fresh();
      if (!next) return { dir: undefined, name };
      dir.entries.set(part, next);
      dir = next;
    }
    return { dir, name };
  }
}

function fresh(): Dir {
  return { origin: null, start: new Map(), entries: new Map(), sha: EMPTY_TREE };
}

function dirOf(sha: string, listing: readonly TreeEntry[], tracked: boolean): Dir {
  const start = new Map<string, Leaf>(listing.map((e) => [e.name, { mode: e.mode, sha: e.sha }]));
  return { origin: tracked ? sha : null, start, entries: new Map(start), sha };
}

function sealDir(d: Dir): string {
  const out: TreeEntry[] = [];
  for (const [name, c] of d.entries) {
    if (!isDir(c)) out.push({ name, mode: c.mode, sha: c.sha });
    else {
      const sha = sealDir(c);
      if (sha !== EMPTY_TREE) out.push({ name, mode: "040000", sha });
    }
  }
  d.sha = out.length === 0 ? EMPTY_TREE : objectSha("tree", encodeTree(out));
  return d.sha;
}
