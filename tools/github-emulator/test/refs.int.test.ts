import type { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64, cloneAndFsck, type Harness, startHarness, TOKEN } from "./helpers.ts";

const owner = "acme";
const repo = "refs";

/** A new commit on top of `parent` that adds `file`. */
async function commitOn(octokit: Octokit, parent: string, file: string): Promise<string> {
  const git = octokit.rest.git;
  const { data: p } = await git.getCommit({ owner, repo, commit_sha: parent });
  const tree = await git.createTree({
    owner,
    repo,
    base_tree: p.tree.sha,
    tree: [{ path: file, mode: "100644", content: file }],
  });
  const commit = await git.createCommit({
    owner,
    repo,
    message: file,
    tree: tree.data.sha,
    parents: [parent],
  });
  return commit.data.sha;
}

describe("git references", () => {
  let h: Harness;
  let initial: string;
  beforeAll(async () => {
    h = await startHarness();
    await h.octokit.rest.repos.createInOrg({ org: owner, name: repo, auto_init: true });
    initial = (await h.octokit.rest.git.getRef({ owner, repo, ref: "heads/main" })).data.object.sha;
  });
  afterAll(() => h.close());

  it("creates, lists by prefix, gets and deletes references", async () => {
    const git = h.octokit.rest.git;
    const created = await git.createRef({ owner, repo, ref: "refs/heads/feature-a", sha: initial });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      ref: "refs/heads/feature-a",
      object: { sha: initial, type: "commit" },
    });
    await git.createRef({ owner, repo, ref: "refs/heads/feature/b", sha: initial });
    const matching = await git.listMatchingRefs({ owner, repo, ref: "heads/feature" });
    expect(matching.data.map((r) => r.ref)).toEqual([
      "refs/heads/feature-a",
      "refs/heads/feature/b",
    ]);
    expect((await git.listMatchingRefs({ owner, repo, ref: "heads/zzz" })).data).toEqual([]);
    expect((await git.getRef({ owner, repo, ref: "heads/feature/b" })).data.object.sha).toBe(
      initial,
    );
    // The older `GET git/refs/{ref}`: one ref when exact, the refs under a folder otherwise.
    // It is not in GitHub's OpenAPI description, so plain fetch, not the checked Octokit.
    const legacy = await fetch(`${h.gh.url}/repos/${owner}/${repo}/git/refs/heads/feature`, {
      headers: { authorization: `token ${TOKEN}` },
    });
    expect(((await legacy.json()) as { ref: string }[]).map((r) => r.ref)).toEqual([
      "refs/heads/feature/b",
    ]);
    await expect(git.getRef({ owner, repo, ref: "heads/feature" })).rejects.toMatchObject({
      status: 404,
    });
    expect((await git.deleteRef({ owner, repo, ref: "heads/feature/b" })).status).toBe(204);
    await expect(git.getRef({ owner, repo, ref: "heads/feature/b" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(git.deleteRef({ owner, repo, ref: "heads/feature/b" })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Reference does not exist" } },
    });
  });

  it("refuses bad reference creations with 422", async () => {
    const git = h.octokit.rest.git;
    const cases: [string, string, string][] = [
      ["refs/heads/feature-a", initial, "Reference already exists"],
      ["refs/heads/new", "f".repeat(40), "Object does not exist"],
      ["refs/heads/a..b", initial, "Reference update failed"],
      ["heads/nope", initial, "Reference update failed"],
    ];
    for (const [ref, sha, message] of cases) {
      await expect(git.createRef({ owner, repo, ref, sha })).rejects.toMatchObject({
        status: 422,
        response: { data: { message } },
      });
    }
  });

  it("moves a branch forward, refuses a non-fast-forward (422) unless forced", async () => {
    const git = h.octokit.rest.git;
    const ahead = await commitOn(h.octokit, initial, "ahead.txt");
    const updated = await git.updateRef({ owner, repo, ref: "heads/main", sha: ahead });
    expect(updated.data.object.sha).toBe(ahead);
    const sideways = await commitOn(h.octokit, initial, "sideways.txt");
    await expect(
      git.updateRef({ owner, repo, ref: "heads/main", sha: sideways }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          message: "Update is not a fast forward",
          documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference",
        },
      },
    });
    const forced = await git.updateRef({
      owner,
      repo,
      ref: "heads/main",
      sha: sideways,
      force: true,
    });
    expect(forced.data.object.sha).toBe(sideways);
    await expect(
      git.updateRef({ owner, repo, ref: "heads/none", sha: sideways }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Reference does not exist" } },
    });
  });

  it("lets exactly one of concurrent fast-forwards from the same head win (compare-and-swap)", async () => {
    const git = h.octokit.rest.git;
    const head = (await git.getRef({ owner, repo, ref: "heads/main" })).data.object.sha;
    const children = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => commitOn(h.octokit, head, `race-${i}.txt`)),
    );
    const results = await Promise.allSettled(
      children.map((sha) => git.updateRef({ owner, repo, ref: "heads/main", sha })),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toMatchObject({ status: 422 });
    const now = (await git.getRef({ owner, repo, ref: "heads/main" })).data.object.sha;
    expect(children).toContain(now);
  });

  it("answers protected-branch refusals switched on per branch (422, 403, force only)", async () => {
    const git = h.octokit.rest.git;
    const head = (await git.getRef({ owner, repo, ref: "heads/main" })).data.object.sha;
    const next = await commitOn(h.octokit, head, "protected.txt");
    h.gh.protectBranch(owner, repo, "main");
    await expect(
      git.updateRef({ owner, repo, ref: "heads/main", sha: next }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Protected branch update failed for refs/heads/main." } },
    });
    await expect(
      h.octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: "p.txt",
        message: "m",
        content: b64("p"),
      }),
    ).rejects.toMatchObject({ status: 422 });
    h.gh.protectBranch(owner, repo, "main", {
      status: 403,
      message: "Resource protected by organization rules",
    });
    await expect(
      git.updateRef({ owner, repo, ref: "heads/main", sha: next }),
    ).rejects.toMatchObject({
      status: 403,
      response: { data: { message: "Resource protected by organization rules" } },
    });
    // Through the control endpoint, as a test of a separately started emulator would.
    const put = await fetch(`${h.gh.url}/_emulator/protection/${owner}/${repo}/main`, {
      method: "PUT",
      body: JSON.stringify({ refuse: "force" }),
    });
    expect(put.status).toBe(204);
    await expect(
      git.updateRef({ owner, repo, ref: "heads/main", sha: next }),
    ).resolves.toMatchObject({ status: 200 });
    await expect(
      git.updateRef({ owner, repo, ref: "heads/main", sha: head, force: true }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Cannot force-push to this branch" } },
    });
    await expect(git.deleteRef({ owner, repo, ref: "heads/main" })).rejects.toMatchObject({
      status: 422,
    });
    h.gh.unprotectBranch(owner, repo, "main");
    await expect(
      git.updateRef({ owner, repo, ref: "heads/main", sha: head, force: true }),
    ).resolves.toMatchObject({ status: 200 });
  });

  it("leaves a repository that clones and passes git fsck --strict", () => {
    cloneAndFsck(h.gh.repoPath(owner, repo), h.dir);
  });
});
