import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { MemoryArtifactStore } from "@tablesnap/artifacts";
import { describe, expect, it } from "vitest";
import { type BackupRepo, BranchMovedError, type TreeOp } from "../src/index.ts";

export const AUTHOR = { name: "test", email: "test@example.com" };

export async function storeWith(files: Record<string, string>): Promise<MemoryArtifactStore> {
  const store = new MemoryArtifactStore();
  for (const [path, text] of Object.entries(files)) {
    const w = await store.openWriter(path);
    await w.write(new TextEncoder().encode(text));
    await w.close();
  }
  return store;
}

export function fileOp(path: string, artifact: string, text: string): TreeOp {
  return {
    op: "file",
    path,
    source: { kind: "artifact", path: artifact, bytes: Buffer.byteLength(text) },
  };
}

/** What every BackupRepo adapter does alike: local git, in-memory, GitHub (emulator), git remote. */
export function describeBackupRepo(name: string, make: () => Promise<BackupRepo>): void {
  describe(`BackupRepo contract: ${name}`, () => {
    it("starts unborn, commits files, a symlink and reads them back", async () => {
      const repo = await make();
      expect(await repo.head("main")).toBeNull();
      const artifacts = await storeWith({ "a.sql": "alpha\n", "t/b.sql": "beta\n" });
      const r = await repo.commit({
        branch: "main",
        parent: null,
        artifacts,
        author: AUTHOR,
        message: "first\n",
        ops: [
          fileOp("x/a.sql", "a.sql", "alpha\n"),
          fileOp("x/t/b.sql", "t/b.sql", "beta\n"),
          { op: "file", path: "x/manifest.json", source: { kind: "text", text: "{}\n" } },
          { op: "symlink", path: "link", target: "x" },
        ],
      });
      expect(await repo.head("main")).toBe(r.commit);
      expect(await repo.treeOf(r.commit)).toBe(r.tree);
      expect(Buffer.from((await repo.readFile(r.commit, "x/t/b.sql")) ?? []).toString()).toBe(
        "beta\n",
      );
      expect((await repo.listTree(r.commit, ""))?.map((e) => [e.name, e.mode])).toEqual([
        ["link", "120000"],
        ["x", "040000"],
      ]);
      expect([...((await repo.listFiles(r.commit, "x")) ?? new Map()).keys()].sort()).toEqual([
        "a.sql",
        "manifest.json",
        "t/b.sql",
      ]);
      expect(await repo.listTree(r.commit, "missing")).toBeNull();
      expect(await repo.readFile(r.commit, "x/none.sql")).toBeNull();
    });

    it("moves a folder by tree SHA, deletes, reuses blobs, and gives the tree SHA git would", async () => {
      const repo = await make();
      const artifacts = await storeWith({ "a.sql": "alpha\n" });
      const first = await repo.commit({
        branch: "main",
        parent: null,
        artifacts,
        author: AUTHOR,
        message: "1\n",
        ops: [fileOp("latest/one/a.sql", "a.sql", "alpha\n")],
      });
      const one = (await repo.listTree(first.commit, "latest"))?.find((e) => e.name === "one");
      const blob = (await repo.listFiles(first.commit, "latest/one"))?.get("a.sql");
      if (!one || !blob) throw new Error("first commit is missing its folder");
      const second = await repo.commit({
        branch: "main",
        parent: first.commit,
        artifacts,
        author: AUTHOR,
        message: "2\n",
        ops: [
          { op: "tree", path: "archive/one", sha: one.sha },
          { op: "delete", path: "latest/one" },
          { op: "file", path: "latest/two/a.sql", source: { kind: "blob", sha: blob } },
        ],
      });
      expect((await repo.listTree(second.commit, "archive"))?.[0]?.sha).toBe(one.sha);
      expect(await repo.listTree(second.commit, "latest/one")).toBeNull();
      expect((await repo.listFiles(second.commit, "latest/two"))?.get("a.sql")).toBe(blob);
      // Trees are fixed by content alone: plain `git add` + `git write-tree` must agree.
      expect(first.tree).toBe(await gitWriteTree({ "latest/one/a.sql": "alpha\n" }));
      expect(second.tree).toBe(
        await gitWriteTree({ "archive/one/a.sql": "alpha\n", "latest/two/a.sql": "alpha\n" }),
      );
    });

    it("refuses to move a branch that moved meanwhile", async () => {
      const repo = await make();
      const artifacts = await storeWith({});
      const text = (t: string): TreeOp => ({
        op: "file",
        path: "f",
        source: { kind: "text", text: t },
      });
      const a = await repo.commit({
        branch: "main",
        parent: null,
        artifacts,
        author: AUTHOR,
        message: "a\n",
        ops: [text("a")],
      });
      await repo.commit({
        branch: "main",
        parent: a.commit,
        artifacts,
        author: AUTHOR,
        message: "b\n",
        ops: [text("b")],
      });
      await expect(
        repo.commit({
          branch: "main",
          parent: a.commit,
          artifacts,
          author: AUTHOR,
          message: "c\n",
          ops: [text("c")],
        }),
      ).rejects.toBeInstanceOf(BranchMovedError);
      await expect(
        repo.commit({
          branch: "main",
          parent: null,
          artifacts,
          author: AUTHOR,
          message: "d\n",
          ops: [text("d")],
        }),
      ).rejects.toBeInstanceOf(BranchMovedError);
    });
  });
}

/** The tree SHA git computes for these files, through an index in a scratch repository. */
async function gitWriteTree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-oracle-"));
  execFileSync("git", ["init", "-q", dir]);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  execFileSync("git", ["add", "-A"], { cwd: dir });
  return execFileSync("git", ["write-tree"], { cwd: dir }).toString().trim();
}
