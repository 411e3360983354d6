import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTHOR, fileOp, storeWith } from "../../test/contract.ts";
import { cloneAndFsck, type GitHubHarness, gitOut, startGitHub } from "../../test/github.ts";
import { MemoryBackupRepo } from "../memory/memory-repo.ts";
import type { BackupRepo, TreeOp } from "../types.ts";

const FILES = {
  "a/x": "x\n",
  "a/y": "y\n",
  "b/z": "z\n",
  c: "c\n",
  "d/e/f": "f\n",
  "new/one": "one\n",
  extra: "extra\n",
};

/** Two commits of the same ops, the second full of edits that overlap the first one's folders. */
async function replay(repo: BackupRepo): Promise<string> {
  const artifacts = await storeWith(FILES);
  const base = ["a/x", "a/y", "b/z", "c", "d/e/f"].map((p) => fileOp(p, p, FILES[p as "c"]));
  const first = await repo.commit({
    branch: "main",
    parent: null,
    artifacts,
    author: AUTHOR,
    message: "1\n",
    ops: base,
  });
  const d = (await repo.listTree(first.commit, ""))?.find((e) => e.name === "d");
  if (!d) throw new Error("no folder d");
  const ops: TreeOp[] = [
    { op: "delete", path: "a" },
    fileOp("a/one", "new/one", FILES["new/one"]), // a new folder where one was: replaced, not merged
    { op: "tree", path: "t", sha: d.sha },
    fileOp("t/e/extra", "extra", FILES.extra), // edits inside a tree just placed
    fileOp("c/inner", "extra", FILES.extra), // a folder where a file was
    { op: "delete", path: "b/z" }, // b left empty: gone
    { op: "symlink", path: "link", target: "a" },
    { op: "delete", path: "nothing/here" },
  ];
  const second = await repo.commit({
    branch: "main",
    parent: first.commit,
    artifacts,
    author: AUTHOR,
    message: "2\n",
    ops,
  });
  return second.tree;
}

describe("GitHubBackupRepo applies overlapping edits as git would", () => {
  let h: GitHubHarness;
  beforeAll(async () => {
    h = await startGitHub();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("gives the in-memory git's tree for replaced, placed-then-edited and emptied folders", async () => {
    const name = await h.createRepo("ops", { unbornMain: true });
    const github = await h.open(name);
    const memory = new MemoryBackupRepo();
    const want = await replay(memory);
    const got = await replay(github);
    expect(got).toBe(want);
    const top = await memory.listTree((await memory.head("main")) ?? "", "");
    expect(top?.map((e) => e.name)).toEqual(["a", "c", "d", "link", "t"]);
    const [owner = "", repo = ""] = name.split("/");
    const clone = await cloneAndFsck(h.gh.repoPath(owner, repo));
    expect(gitOut(clone, "rev-parse", "HEAD^{tree}")).toBe(want);
  });
});
