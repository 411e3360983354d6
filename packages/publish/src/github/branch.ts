import { BranchMovedError, GitHubApiError } from "../errors.ts";
import { apiFailure, githubError } from "./api-errors.ts";
import type { GitHubClient } from "./client.ts";
import { backupReadme } from "./readme.ts";

/**
 * The first commit of an empty repository: a README explaining the layout, through the contents
 * API (the Git Data API refuses to write into a repository without commits). Returns its SHA.
 */
export async function initialise(c: GitHubClient, branch: string): Promise<string> {
  const content = Buffer.from(backupReadme(`${c.owner}/${c.repo}`), "utf8").toString("base64");
  try {
    const { data } = await c.octokit.rest.repos.createOrUpdateFileContents({
      owner: c.owner,
      repo: c.repo,
      path: "README.md",
      message: "Start the backup repository\n\nThe README explains the layout of the backups.\n",
      content,
      branch,
    });
    if (!data.commit.sha) throw new GitHubApiError(0, "GitHub made no commit for the README");
    return data.commit.sha;
  } catch (e) {
    const f = apiFailure(e);
    // Someone made the first commit meanwhile (README.md exists, or the branch moved): rebuild.
    if (f?.status === 409 || (f?.status === 422 && /"sha" wasn't supplied/.test(f.message)))
      throw new BranchMovedError(branch, { cause: e });
    throw githubError(e, `${c.owner}/${c.repo}`, "creating the first commit (README.md)");
  }
}

/**
 * Moves the branch once, without force: created when `parent` is null, else fast-forwarded from
 * it. GitHub refuses when the branch moved meanwhile (422 not a fast forward, 409): that is a
 * BranchMovedError, unless the branch is already at `commit` (a retry of an update that went
 * through).
 */
export async function moveBranch(
  c: GitHubClient,
  branch: string,
  parent: string | null,
  commit: string,
  head: () => Promise<string | null>,
): Promise<void> {
  const { owner, repo } = c;
  try {
    if (parent === null)
      await c.octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit });
    else
      await c.octokit.rest.git.updateRef({
        owner,
        repo,
        ref: `heads/${branch}`,
        sha: commit,
        force: false,
      });
  } catch (e) {
    const f = apiFailure(e);
    const moved =
      f?.status === 409 ||
      (f?.status === 422 && /not a fast forward|already exists/i.test(f.message));
    if (!moved) throw githubError(e, `${owner}/${repo}`, `moving branch ${branch}`);
    if ((await head()) === commit) return;
    throw new BranchMovedError(branch, { cause: e, context: { detail: f?.message } });
  }
}
