import type { ArtifactStore } from "@tablesnap/artifacts";

/** Git tree entry modes; `160000` (a submodule) only ever comes from reading a tree. */
export type EntryMode = "100644" | "100755" | "120000" | "040000" | "160000";

export interface TreeEntry {
  readonly name: string;
  readonly mode: EntryMode;
  readonly sha: string;
}

/**
 * One change to the branch's tree, by path from the repository root. The same list is applied by
 * every adapter (local git, in-memory, GitHub), so one backup gives one tree SHA everywhere.
 */
export type TreeOp =
  | { readonly op: "file"; readonly path: string; readonly source: FileSource }
  | { readonly op: "symlink"; readonly path: string; readonly target: string }
  /** Reuse an existing tree (moving a folder costs nothing). */
  | { readonly op: "tree"; readonly path: string; readonly sha: string }
  | { readonly op: "delete"; readonly path: string };

export type FileSource =
  | { readonly kind: "artifact"; readonly path: string; readonly bytes: number }
  | { readonly kind: "text"; readonly text: string }
  /** A blob the repository already has: nothing is sent. */
  | { readonly kind: "blob"; readonly sha: string };

export interface CommitRequest {
  readonly branch: string;
  /** The commit the branch must still point at; null for an unborn branch. */
  readonly parent: string | null;
  readonly ops: readonly TreeOp[];
  readonly message: string;
  readonly artifacts: ArtifactStore;
  readonly author: { readonly name: string; readonly email: string };
}

export interface CommitResult {
  readonly commit: string;
  readonly tree: string;
}

/** The backup repository, wherever it is. Reads are by commit; `commit` moves the branch once. */
export interface BackupRepo {
  head(branch: string): Promise<string | null>;
  /** The root tree SHA of a commit. */
  treeOf(commit: string): Promise<string>;
  /** Entries of the folder at `path` in `commit`, or null when there is no such folder. */
  listTree(commit: string, path: string): Promise<TreeEntry[] | null>;
  readFile(commit: string, path: string): Promise<Uint8Array | null>;
  /** Every file below `path` in `commit` (path relative to it → blob SHA), or null. */
  listFiles(commit: string, path: string): Promise<Map<string, string> | null>;
  /** Applies `ops` on top of `parent` and moves the branch, or throws BranchMovedError. */
  commit(request: CommitRequest): Promise<CommitResult>;
  /** Write requests sent to a remote API so far (adapters that talk to one); a publish reports its share. */
  writes?(): number;
}
