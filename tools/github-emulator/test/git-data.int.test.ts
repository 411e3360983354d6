import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  b64,
  cloneAndFsck,
  gitCli,
  type Harness,
  startHarness,
  writeTreeWithGit,
} from "./helpers.ts";

const owner = "acme";

describe("git data on an emulated repository", () => {
  let h: Harness;
  const repo = "data";
  beforeAll(async () => {
    h = await startHarness();
    await h.octokit.rest.repos.createInOrg({ org: owner, name: repo });
  });
  afterAll(() => h.close());

  it("answers 409 Git Repository is empty for git data calls on an empty repository", async () => {
    const git = h.octokit.rest.git;
    const calls = [
      () => git.createBlob({ owner, repo, content: "x" }),
      () => git.createTree({ owner, repo, tree: [{ path: "a", mode: "100644", content: "x" }] }),
      () => git.getRef({ owner, repo, ref: "heads/main" }),
      () => git.listMatchingRefs({ owner, repo, ref: "heads" }),
      () => git.getTree({ owner, repo, tree_sha: "main" }),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({
        status: 409,
        response: { data: { message: "Git Repository is empty.", status: "409" } },
      });
    }
  });

  it("makes the first commit of an empty repository with PUT contents", async () => {
    const { status, data } = await h.octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: "docs/hello.txt",
      message: "first",
      content: b64("hello\n"),
    });
    expect(status).toBe(201);
    expect(data.commit.parents).toEqual([]);
    expect(data.content).toMatchObject({ path: "docs/hello.txt", name: "hello.txt", size: 6 });
    const { data: ref } = await h.octokit.rest.git.getRef({ owner, repo, ref: "heads/main" });
    expect(ref.object.sha).toBe(data.commit.sha);
  });

  it("creates blobs from utf-8 and base64 and reads them back base64", async () => {
    const git = h.octokit.rest.git;
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10]);
    const utf = await git.createBlob({ owner, repo, content: "héllo ✓\n", encoding: "utf-8" });
    const bin = await git.createBlob({
      owner,
      repo,
      content: bytes.toString("base64"),
      encoding: "base64",
    });
    expect(utf.status).toBe(201);
    expect(utf.data.sha).toBe(gitCli(h.dir, ["hash-object", "--stdin"], "héllo ✓\n"));
    const got = await git.getBlob({ owner, repo, file_sha: bin.data.sha });
    expect(got.data).toMatchObject({ encoding: "base64", size: bytes.length });
    expect(Buffer.from(got.data.content, "base64")).toEqual(bytes);
    await expect(git.getBlob({ owner, repo, file_sha: "0".repeat(40) })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      git.createBlob({ owner, repo, content: "***", encoding: "base64" }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("builds trees with base_tree, inline content, deletions, nested paths and every mode like git", async () => {
    const git = h.octokit.rest.git;
    const blob = await git.createBlob({ owner, repo, content: "by sha\n" });
    const first = await git.createTree({
      owner,
      repo,
      tree: [
        { path: "a/b/c.txt", mode: "100644", type: "blob", content: "deep\n" },
        { path: "a/keep.txt", mode: "100644", type: "blob", content: "keep\n" },
        { path: "run.sh", mode: "100755", type: "blob", content: "#!/bin/sh\necho hi\n" },
        { path: "link", mode: "120000", type: "blob", content: "a/keep.txt" },
        { path: "gone/only.txt", mode: "100644", type: "blob", content: "soon deleted\n" },
        { path: "x.txt", mode: "100644", type: "blob", sha: blob.data.sha },
      ],
    });
    expect(first.status).toBe(201);
    const second = await git.createTree({
      owner,
      repo,
      base_tree: first.data.sha,
      tree: [
        { path: "gone/only.txt", mode: "100644", type: "blob", sha: null },
        { path: "a/b/c.txt", mode: "100644", type: "blob", content: "deeper\n" },
        { path: "a/b/new/n.txt", mode: "100644", type: "blob", content: "new\n" },
        { path: "missing/nothing.txt", mode: "100644", type: "blob", sha: null },
      ],
    });
    const expected = await writeTreeWithGit(h.dir, {
      "a/b/c.txt": { content: "deeper\n" },
      "a/b/new/n.txt": { content: "new\n" },
      "a/keep.txt": { content: "keep\n" },
      "run.sh": { content: "#!/bin/sh\necho hi\n", mode: "100755" },
      link: { symlink: "a/keep.txt" },
      "x.txt": { content: "by sha\n" },
    });
    expect(second.data.sha).toBe(expected);
    expect(second.data.tree.map((e) => `${e.mode} ${e.type} ${e.path}`)).toEqual([
      "040000 tree a",
      "120000 blob link",
      "100755 blob run.sh",
      "100644 blob x.txt",
    ]);
    const full = await git.getTree({ owner, repo, tree_sha: second.data.sha, recursive: "1" });
    expect(full.data.tree.map((e) => e.path)).toEqual([
      "a",
      "a/b",
      "a/b/c.txt",
      "a/b/new",
      "a/b/new/n.txt",
      "a/keep.txt",
      "link",
      "run.sh",
      "x.txt",
    ]);
    expect(full.data.tree.find((e) => e.path === "a/keep.txt")).toMatchObject({
      size: 5,
      type: "blob",
    });
    const subtree = full.data.tree.find((e) => e.path === "a/b");
    const moved = await git.createTree({
      owner,
      repo,
      tree: [{ path: "copy/b", mode: "040000", type: "tree", sha: subtree?.sha ?? "" }],
    });
    const copied = await git.getTree({ owner, repo, tree_sha: moved.data.sha, recursive: "true" });
    expect(copied.data.tree.map((e) => e.path)).toContain("copy/b/new/n.txt");
  });

  it("rejects malformed tree input with 422", async () => {
    const git = h.octokit.rest.git;
    const bad = [
      { tree: [{ path: "../x", mode: "100644" as const, content: "x" }] },
      { tree: [{ path: "a//b", mode: "100644" as const, content: "x" }] },
      { tree: [{ path: "a", mode: "100644" as const, content: "x", sha: "a".repeat(40) }] },
      { tree: [{ path: "a", mode: "100644" as const, sha: "b".repeat(40) }] },
      { base_tree: "c".repeat(40), tree: [{ path: "a", mode: "100644" as const, content: "x" }] },
    ];
    for (const body of bad) {
      await expect(git.createTree({ owner, repo, ...body })).rejects.toMatchObject({ status: 422 });
    }
  });

  it("creates commits with parents, author and committer, and gets them back", async () => {
    const git = h.octokit.rest.git;
    const { data: head } = await git.getRef({ owner, repo, ref: "heads/main" });
    const { data: parent } = await git.getCommit({ owner, repo, commit_sha: head.object.sha });
    const tree = await git.createTree({
      owner,
      repo,
      base_tree: parent.tree.sha,
      tree: [{ path: "two.txt", mode: "100644", content: "2\n" }],
    });
    const author = { name: "Ada", email: "ada@example.com", date: "2024-05-06T07:08:09+02:00" };
    const created = await git.createCommit({
      owner,
      repo,
      message: "second\n\nbody",
      tree: tree.data.sha,
      parents: [head.object.sha],
      author,
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      message: "second\n\nbody",
      author: { name: "Ada", email: "ada@example.com", date: "2024-05-06T05:08:09Z" },
      committer: { name: "Ada" },
      parents: [{ sha: head.object.sha }],
    });
    const got = await git.getCommit({ owner, repo, commit_sha: created.data.sha });
    expect(got.data).toEqual(created.data);
    const raw = gitCli(h.gh.repoPath(owner, repo), ["cat-file", "commit", created.data.sha]);
    expect(raw).toContain("author Ada <ada@example.com> 1714972089 +0200");
    await expect(
      git.createCommit({ owner, repo, message: "m", tree: "d".repeat(40) }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Tree SHA does not exist" } },
    });
    await expect(
      git.createCommit({
        owner,
        repo,
        message: "m",
        tree: tree.data.sha,
        parents: [tree.data.sha],
      }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Parent SHA does not exist or is not a commit object" } },
    });
    await expect(git.getCommit({ owner, repo, commit_sha: tree.data.sha })).rejects.toMatchObject({
      status: 404,
    });
  });

  it("leaves a repository that plain git clones and fscks --strict", async () => {
    const clone = cloneAndFsck(h.gh.repoPath(owner, repo), h.dir);
    expect(gitCli(clone, ["show", "HEAD:docs/hello.txt"])).toBe("hello");
  });
});
