import type { EntryMode } from "../types.ts";
import { type BlobBody, type Dir, EMPTY_TREE, isDir, type Leaf } from "./overlay.ts";

export type EntryType = "blob" | "tree" | "commit";

/** One entry of a create-a-tree request: by SHA, a new blob (inline or uploaded first), or a deletion. */
export type TreeItem =
  | {
      readonly path: string;
      readonly mode: EntryMode;
      readonly type: EntryType;
      readonly sha: string;
    }
  | {
      readonly path: string;
      readonly mode: EntryMode;
      readonly type: "blob";
      readonly sha: string;
      readonly body: BlobBody;
      readonly inline: boolean;
    }
  | {
      readonly path: string;
      readonly mode: EntryMode;
      readonly type: EntryType;
      readonly sha: null;
    };

/** A folder that replaces something else at its path: built on its own, without a base. */
export interface Standalone {
  readonly path: string;
  readonly sha: string;
  readonly items: TreeItem[];
}

export interface Emission {
  /** Items on top of the base tree (or of nothing, without a base). Paths never overlap. */
  readonly items: TreeItem[];
  /** Built before `items`, which reference them by SHA. */
  readonly standalone: Standalone[];
}

export const typeOf = (mode: string): EntryType =>
  mode === "040000" ? "tree" : mode === "160000" ? "commit" : "blob";

/**
 * Turns a sealed overlay into as few tree items as GitHub needs: nothing for what the base
 * already holds, one item for a folder whose tree the repository already has (`known`), nested
 * paths for new folders, `sha: null` for what goes away. `root.origin` must be the base tree.
 */
export function emit(root: Dir, known: (sha: string) => boolean): Emission {
  const out: Emission = { items: [], standalone: [] };
  if (root.origin !== null) editedDir(root, "", known, out);
  else for (const [name, c] of root.entries) freshChild(c, name, known, out, out.items);
  return out;
}

function join(path: string, name: string): string {
  return path ? `${path}/${name}` : name;
}

/** A folder the base holds at `path`: only the differences. */
function editedDir(d: Dir, path: string, known: (sha: string) => boolean, out: Emission): void {
  if (d.sha === d.origin) return;
  if (d.sha === EMPTY_TREE && path) {
    out.items.push({ path, mode: "040000", type: "tree", sha: null });
    return;
  }
  const names = new Set([...d.start.keys(), ...d.entries.keys()]);
  for (const name of names) {
    const before = d.start.get(name);
    const now = d.entries.get(name);
    const p = join(path, name);
    if (now === before) continue;
    if (!now) {
      if (before)
        out.items.push({ path: p, mode: before.mode, type: typeOf(before.mode), sha: null });
    } else if (isDir(now)) {
      if (now.origin !== null) editedDir(now, p, known, out);
      else newDir(now, p, before !== undefined, known, out);
    } else if (!(before && before.mode === now.mode && before.sha === now.sha)) {
      out.items.push(leafItem(now, p, known));
    }
  }
}

/** A folder built here; `occupied` when the base holds something else at its path. */
function newDir(
  d: Dir,
  path: string,
  occupied: boolean,
  known: (sha: string) => boolean,
  out: Emission,
): void {
  if (d.sha === EMPTY_TREE) {
    if (occupied) out.items.push({ path, mode: "040000", type: "tree", sha: null });
    return;
  }
  if (!occupied || known(d.sha)) {
    freshChild(d, path, known, out, out.items);
    return;
  }
  // Nested paths would merge into what is there: build this folder alone and swap it in.
  const items: TreeItem[] = [];
  for (const [name, c] of d.entries) freshChild(c, name, known, out, items);
  out.standalone.push({ path, sha: d.sha, items });
  out.items.push({ path, mode: "040000", type: "tree", sha: d.sha });
}

/** Something below a path the base does not hold: one item when the repository has it already. */
function freshChild(
  c: Leaf | Dir,
  path: string,
  known: (sha: string) => boolean,
  out: Emission,
  items: TreeItem[],
): void {
  if (!isDir(c)) {
    items.push(leafItem(c, path, known));
    return;
  }
  if (c.sha === EMPTY_TREE) return;
  if (known(c.sha)) {
    items.push({ path, mode: "040000", type: "tree", sha: c.sha });
    return;
  }
  for (const [name, child] of c.entries) freshChild(child, join(path, name), known, out, items);
}

function leafItem(l: Leaf, path: string, known: (sha: string) => boolean): TreeItem {
  if (l.body && !known(l.sha)) {
    return {
      path,
      mode: l.mode,
      type: "blob",
      sha: l.sha,
      body: l.body,
      inline: l.inline ?? false,
    };
  }
  return { path, mode: l.mode, type: typeOf(l.mode), sha: l.sha };
}
