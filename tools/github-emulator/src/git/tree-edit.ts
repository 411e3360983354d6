import { GitCommandError } from "../errors.ts";
import { type BareRepo, EMPTY_TREE } from "./bare-repo.ts";
import { type EntryType, parseTree, type TreeEntry } from "./objects.ts";

/** One change to a tree at a slash-separated path, as GitHub's create-a-tree entries express. */
export type TreeEdit =
  | { readonly path: string; readonly kind: "delete" }
  | {
      readonly path: string;
      readonly kind: "set";
      readonly mode: string;
      readonly type: EntryType;
      readonly sha: string;
    };

/** A folder being edited: entries loaded lazily, written again only when changed. */
interface Dir {
  readonly entries: Map<string, TreeEntry | Dir>;
  readonly sha: string | undefined;
  dirty: boolean;
}

const isDir = (x: TreeEntry | Dir): x is Dir => "entries" in x;

async function loadDir(repo: BareRepo, sha: string): Promise<Dir> {
  const obj = await repo.read(sha);
  if (obj?.type !== "tree") throw new GitCommandError(`tree ${sha} is missing`);
  return { entries: new Map(parseTree(obj.data).map((e) => [e.name, e])), sha, dirty: false };
}

/** Applies `edits` in order to `base` (or to nothing) and writes every changed tree. */
export async function editTree(
  repo: BareRepo,
  base: string | undefined,
  edits: readonly TreeEdit[],
): Promise<string> {
  const root: Dir = base
    ? await loadDir(repo, base)
    : { entries: new Map(), sha: undefined, dirty: true };
  for (const edit of edits) await apply(repo, root, edit);
  return write(repo, root);
}

async function apply(repo: BareRepo, root: Dir, edit: TreeEdit): Promise<void> {
  const parts = edit.path.split("/");
  const name = parts.pop() ?? "";
  const path: Dir[] = [root];
  let dir = root;
  for (const part of parts) {
    const child = dir.entries.get(part);
    let next: Dir;
    if (child && isDir(child)) next = child;
    else if (child && child.type === "tree") next = await loadDir(repo, child.sha);
    else if (edit.kind === "delete")
      return; // nothing there to delete
    else next = { entries: new Map(), sha: undefined, dirty: true };
    dir.entries.set(part, next);
    path.push(next);
    dir = next;
  }
  if (edit.kind === "delete") {
    if (!dir.entries.delete(name)) return;
  } else {
    dir.entries.set(name, { mode: edit.mode, type: edit.type, sha: edit.sha, name });
  }
  for (const d of path) d.dirty = true;
}

/** Writes a changed folder bottom-up; a folder left empty disappears, as in git. */
async function write(repo: BareRepo, dir: Dir): Promise<string> {
  if (!dir.dirty && dir.sha) return dir.sha;
  // Siblings are written in parallel (git runs are bounded by the runner).
  const written = await Promise.all(
    [...dir.entries].map(async ([name, child]): Promise<TreeEntry | undefined> => {
      if (!isDir(child)) return child;
      const sha = await write(repo, child);
      return sha === EMPTY_TREE ? undefined : { mode: "040000", type: "tree", sha, name };
    }),
  );
  return repo.mktree(written.filter((e) => e !== undefined));
}

/** The entry at `path` inside tree `treeSha`, if any. */
export async function findEntry(
  repo: BareRepo,
  treeSha: string,
  path: string,
): Promise<TreeEntry | undefined> {
  let sha = treeSha;
  const parts = path.split("/");
  for (let i = 0; i < parts.length; i++) {
    const obj = await repo.read(sha);
    if (obj?.type !== "tree") return undefined;
    const entry = parseTree(obj.data).find((e) => e.name === parts[i]);
    if (!entry || i === parts.length - 1) return entry;
    sha = entry.sha;
  }
  return undefined;
}
