import type { EntryMode, TreeEntry } from "../types.ts";
import type { ObjectDb } from "./objects.ts";

interface Node {
  entries: Map<string, TreeEntry | Node>;
}

/** Applies path edits to a tree the way fast-import and GitHub's create-tree do. */
export class TreeEditor {
  readonly #db: ObjectDb;
  readonly #root: Node;

  constructor(db: ObjectDb, base: string | null) {
    this.#db = db;
    this.#root = this.#load(base);
  }

  set(path: string, mode: EntryMode, sha: string): void {
    const { parent, name } = this.#parentOf(path, true);
    parent?.entries.set(name, { name, mode, sha });
  }

  delete(path: string): void {
    const { parent, name } = this.#parentOf(path, false);
    parent?.entries.delete(name);
  }

  /** Writes every changed tree and returns the root's SHA; empty folders vanish as in git. */
  write(): string {
    return this.#write(this.#root) ?? this.#db.putTree([]);
  }

  #load(sha: string | null): Node {
    const entries = new Map<string, TreeEntry | Node>();
    if (sha) for (const e of this.#db.readTree(sha)) entries.set(e.name, e);
    return { entries };
  }

  #parentOf(path: string, create: boolean): { parent: Node | undefined; name: string } {
    const parts = path.split("/");
    const name = parts.pop() ?? "";
    let node: Node | undefined = this.#root;
    for (const part of parts) {
      const child: TreeEntry | Node | undefined = node.entries.get(part);
      let next: Node | undefined;
      if (child && "entries" in child) next = child;
      else if (child && child.mode === "040000") next = this.#load(child.sha);
      else if (create) next = { entries: new Map() };
      if (!next) return { parent: undefined, name };
      node.entries.set(part, next);
      node = next;
    }
    return { parent: node, name };
  }

  #write(node: Node): string | undefined {
    const out: TreeEntry[] = [];
    for (const [name, child] of node.entries) {
      if ("entries" in child) {
        const sha = this.#write(child);
        if (sha) out.push({ name, mode: "040000", sha });
      } else out.push(child);
    }
    return out.length > 0 ? this.#db.putTree(out) : undefined;
  }
}
