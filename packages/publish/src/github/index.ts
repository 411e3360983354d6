// A subpath of its own (`@tablesnap/publish/github`): Octokit costs start-up time and memory that
// backups into a repository on disk do not need.
export type { WriteBudgetOptions } from "./budget.ts";
export { WriteBudget } from "./budget.ts";
export type { GitHubAuth, GitHubClient, GitHubClientOptions, OctokitSettings } from "./client.ts";
export { connectGitHub, githubAppOctokit, newOctokit } from "./client.ts";
export type { GitHubRepoOptions } from "./github-repo.ts";
export { GitHubBackupRepo } from "./github-repo.ts";
