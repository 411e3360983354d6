import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64, cloneAndFsck, gitCli, type Harness, startHarness } from "./helpers.ts";

const owner = "acme";

describe("PUT /repos/{owner}/{repo}/contents/{path}", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.octokit.rest.repos.createInOrg({ org: owner, name: "files", auto_init: true });
  });
  afterAll(() => h.close());

  const put = (params: {
    path: string;
    content: string;
    sha?: string;
    branch?: string;
    repo?: string;
  }) =>
    h.octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo: params.repo ?? "files",
      message: `write ${params.path}`,
      ...params,
      content: b64(params.content),
    });

  it("creates a file (201), then updates it only with the blob sha it replaces (200)", async () => {
    const created = await put({ path: "dir/a.txt", content: "one\n" });
    expect(created.status).toBe(201);
    await expect(put({ path: "dir/a.txt", content: "two\n" })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: `Invalid request.\n\n"sha" wasn't supplied.` } },
    });
    const wrong = "0123456789012345678901234567890123456789";
    await expect(put({ path: "dir/a.txt", content: "two\n", sha: wrong })).rejects.toMatchObject({
      status: 409,
      response: { data: { message: `dir/a.txt does not match ${wrong}` } },
    });
    const updated = await put({
      path: "dir/a.txt",
      content: "two\n",
      sha: created.data.content?.sha ?? "",
    });
    expect(updated.status).toBe(200);
    expect(updated.data.commit.parents?.[0]?.sha).toBe(created.data.commit.sha);
    const clone = cloneAndFsck(h.gh.repoPath(owner, "files"), h.dir);
    expect(gitCli(clone, ["show", "HEAD:dir/a.txt"])).toBe("two");
    expect(gitCli(clone, ["log", "--format=%s"]).split("\n")).toEqual([
      "write dir/a.txt",
      "write dir/a.txt",
      "Initial commit",
    ]);
  });

  it("commits to another branch, and answers 404 for a branch that does not exist", async () => {
    const main = (await h.octokit.rest.git.getRef({ owner, repo: "files", ref: "heads/main" })).data
      .object.sha;
    await expect(put({ path: "b.txt", content: "b", branch: "dev" })).rejects.toMatchObject({
      status: 404,
      response: { data: { message: "Branch dev not found" } },
    });
    await h.octokit.rest.git.createRef({ owner, repo: "files", ref: "refs/heads/dev", sha: main });
    const onDev = await put({ path: "b.txt", content: "b", branch: "dev" });
    expect(onDev.data.commit.parents?.[0]?.sha).toBe(main);
    expect(
      (await h.octokit.rest.git.getRef({ owner, repo: "files", ref: "heads/main" })).data.object
        .sha,
    ).toBe(main);
  });

  it("takes paths with spaces, unicode and percent signs", async () => {
    const path = "with space/ünï 100%.txt";
    const created = await put({ path, content: "odd\n" });
    expect(created.data.content?.path).toBe(path);
    const clone = cloneAndFsck(h.gh.repoPath(owner, "files"), h.dir);
    expect(gitCli(clone, ["show", `HEAD:${path}`])).toBe("odd");
  });

  it("rejects content that is not base64 (422)", async () => {
    await expect(
      h.octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo: "files",
        path: "c",
        message: "m",
        content: "%%%",
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it("the first write to an empty repository on another branch makes that branch the default", async () => {
    await h.octokit.rest.repos.createInOrg({ org: owner, name: "pages" });
    const first = await put({
      repo: "pages",
      path: "index.html",
      content: "<p>hi</p>",
      branch: "gh-pages",
    });
    expect(first.status).toBe(201);
    const { data } = await h.octokit.rest.repos.get({ owner, repo: "pages" });
    expect(data.default_branch).toBe("gh-pages");
    cloneAndFsck(h.gh.repoPath(owner, "pages"), h.dir);
  });
});
