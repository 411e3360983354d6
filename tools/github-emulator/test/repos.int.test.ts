import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneAndFsck, gitCli, type Harness, startHarness } from "./helpers.ts";

describe("repositories", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      tokens: [
        { token: "t-all", login: "octo" },
        { token: "t-some", repositories: ["acme/visible"] },
        { token: "t-read", permission: "read" },
      ],
    });
  });
  afterAll(() => h.close());

  it("creates an empty organization repository and a bare git repository for it", async () => {
    const octokit = h.octokitWith("t-all");
    const { status, data } = await octokit.rest.repos.createInOrg({
      org: "acme",
      name: "empty",
      private: true,
    });
    expect(status).toBe(201);
    expect(data).toMatchObject({ full_name: "acme/empty", private: true, default_branch: "main" });
    expect(data.owner).toMatchObject({ login: "acme", type: "Organization" });
    const bare = h.gh.repoPath("acme", "empty");
    expect(gitCli(bare, ["rev-parse", "--is-bare-repository"])).toBe("true");
    expect(gitCli(bare, ["for-each-ref"])).toBe("");
    const got = await octokit.rest.repos.get({ owner: "acme", repo: "empty" });
    expect(got.data).toMatchObject({
      id: data.id,
      size: expect.any(Number),
      permissions: { push: true },
    });
  });

  it("auto_init makes one commit with a README.md on main; the repo clones and passes fsck", async () => {
    const octokit = h.octokitWith("t-all");
    await octokit.rest.repos.createForAuthenticatedUser({
      name: "hello",
      auto_init: true,
      description: "Hi",
    });
    const { data: repo } = await octokit.rest.repos.get({ owner: "octo", repo: "hello" });
    expect(repo.owner.type).toBe("User");
    const { data: ref } = await octokit.rest.git.getRef({
      owner: "octo",
      repo: "hello",
      ref: "heads/main",
    });
    const { data: commit } = await octokit.rest.git.getCommit({
      owner: "octo",
      repo: "hello",
      commit_sha: ref.object.sha,
    });
    expect(commit).toMatchObject({ message: "Initial commit", parents: [] });
    const clone = cloneAndFsck(h.gh.repoPath("octo", "hello"), h.dir);
    expect(gitCli(clone, ["show", "HEAD:README.md"])).toBe("# hello\nHi");
  });

  it("refuses a second repository of the same name, case-insensitively (422)", async () => {
    const octokit = h.octokitWith("t-all");
    await octokit.rest.repos.createInOrg({ org: "acme", name: "twice" });
    await expect(
      octokit.rest.repos.createInOrg({ org: "ACME", name: "Twice" }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          message: "Repository creation failed.",
          errors: [
            {
              resource: "Repository",
              code: "custom",
              field: "name",
              message: "name already exists on this account",
            },
          ],
        },
      },
    });
  });

  it("answers 401 without credentials and with unknown ones", async () => {
    await expect(
      h.octokitWith(undefined).rest.repos.get({ owner: "acme", repo: "empty" }),
    ).rejects.toMatchObject({
      status: 401,
      response: {
        data: {
          message: "Requires authentication",
          documentation_url: "https://docs.github.com/rest",
          status: "401",
        },
      },
    });
    await expect(
      h.octokitWith("nope").rest.repos.get({ owner: "acme", repo: "empty" }),
    ).rejects.toMatchObject({
      status: 401,
      response: { data: { message: "Bad credentials" } },
    });
  });

  it("answers 404 for unknown repositories and for repositories the token may not see", async () => {
    await h.octokitWith("t-all").rest.repos.createInOrg({ org: "acme", name: "visible" });
    const some = h.octokitWith("t-some");
    await expect(some.rest.repos.get({ owner: "acme", repo: "visible" })).resolves.toMatchObject({
      status: 200,
    });
    await expect(some.rest.repos.get({ owner: "acme", repo: "empty" })).rejects.toMatchObject({
      status: 404,
      response: {
        data: {
          message: "Not Found",
          documentation_url: "https://docs.github.com/rest/repos/repos#get-a-repository",
        },
      },
    });
    await expect(
      h.octokitWith("t-all").rest.repos.get({ owner: "acme", repo: "nothing" }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("a restricted or read-only token cannot create repositories or write (403)", async () => {
    await expect(
      h.octokitWith("t-some").rest.repos.createInOrg({ org: "acme", name: "x" }),
    ).rejects.toMatchObject({ status: 403 });
    const read = h.octokitWith("t-read");
    await expect(read.rest.repos.get({ owner: "acme", repo: "visible" })).resolves.toMatchObject({
      data: { permissions: { push: false, pull: true } },
    });
    await expect(
      read.rest.repos.createOrUpdateFileContents({
        owner: "acme",
        repo: "visible",
        path: "a",
        message: "m",
        content: "",
      }),
    ).rejects.toMatchObject({
      status: 403,
      response: { data: { message: "Resource not accessible by personal access token" } },
    });
  });

  it("finds a bare repository put into the data dir by hand", async () => {
    const bare = h.gh.repoPath("hand", "made");
    await mkdir(dirname(bare), { recursive: true });
    gitCli(dirname(bare), ["init", "--quiet", "--bare", bare]);
    const { data } = await h.octokitWith("t-all").rest.repos.get({ owner: "Hand", repo: "MADE" });
    expect(data).toMatchObject({ full_name: "hand/made", private: true });
  });

  it("answers 422 with GitHub's validation message when the name is missing", async () => {
    const octokit = h.octokitWith("t-all");
    await expect(octokit.request("POST /orgs/acme/repos", {})).rejects.toMatchObject({
      status: 422,
      response: { data: { message: `Invalid request.\n\n"name" wasn't supplied.` } },
    });
  });
});
