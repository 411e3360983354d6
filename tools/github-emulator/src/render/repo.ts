import { pathToFileURL } from "node:url";
import { nodeId } from "../state/ids.ts";
import type { RepoHandle } from "../state/repos.ts";
import { simpleUser } from "./user.ts";

export interface RepoFacts {
  readonly defaultBranch: string;
  readonly sizeKb: number;
  /** Newest commit date on any branch; `created_at` for an empty repository. */
  readonly pushedAt: string | undefined;
  readonly canWrite: boolean;
  readonly admin: boolean;
}

/** The `*_url` fields of a repository, all derived from its API URL. */
function repoLinks(base: string, full: string) {
  const u = `${base}/repos/${full}`;
  return {
    url: u,
    forks_url: `${u}/forks`,
    keys_url: `${u}/keys{/key_id}`,
    collaborators_url: `${u}/collaborators{/collaborator}`,
    teams_url: `${u}/teams`,
    hooks_url: `${u}/hooks`,
    issue_events_url: `${u}/issues/events{/number}`,
    events_url: `${u}/events`,
    assignees_url: `${u}/assignees{/user}`,
    branches_url: `${u}/branches{/branch}`,
    tags_url: `${u}/tags`,
    blobs_url: `${u}/git/blobs{/sha}`,
    git_tags_url: `${u}/git/tags{/sha}`,
    git_refs_url: `${u}/git/refs{/sha}`,
    trees_url: `${u}/git/trees{/sha}`,
    statuses_url: `${u}/statuses/{sha}`,
    languages_url: `${u}/languages`,
    stargazers_url: `${u}/stargazers`,
    contributors_url: `${u}/contributors`,
    subscribers_url: `${u}/subscribers`,
    subscription_url: `${u}/subscription`,
    commits_url: `${u}/commits{/sha}`,
    git_commits_url: `${u}/git/commits{/sha}`,
    comments_url: `${u}/comments{/number}`,
    issue_comment_url: `${u}/issues/comments{/number}`,
    contents_url: `${u}/contents/{+path}`,
    compare_url: `${u}/compare/{base}...{head}`,
    merges_url: `${u}/merges`,
    archive_url: `${u}/{archive_format}{/ref}`,
    downloads_url: `${u}/downloads`,
    issues_url: `${u}/issues{/number}`,
    pulls_url: `${u}/pulls{/number}`,
    milestones_url: `${u}/milestones{/number}`,
    notifications_url: `${u}/notifications{?since,all,participating}`,
    labels_url: `${u}/labels{/name}`,
    releases_url: `${u}/releases{/id}`,
    deployments_url: `${u}/deployments`,
  };
}

/**
 * GitHub's `repository` / `full-repository`. `clone_url` is the bare repository's `file://` URL
 * so `git clone` of it works; the web URLs point at github.com like GitHub's.
 */
export function repository(base: string, repo: RepoHandle, facts: RepoFacts) {
  const m = repo.meta;
  const host = new URL(base).host;
  return {
    id: m.id,
    node_id: nodeId("R", m.id),
    name: m.name,
    full_name: repo.fullName,
    private: m.private,
    owner: simpleUser(base, m.owner, m.ownerType),
    html_url: `https://github.com/${repo.fullName}`,
    description: m.description,
    fork: false,
    ...repoLinks(base, repo.fullName),
    git_url: `git://${host}/${repo.fullName}.git`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    clone_url: pathToFileURL(repo.git.gitDir).href,
    svn_url: `https://github.com/${repo.fullName}`,
    homepage: m.homepage,
    size: facts.sizeKb,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: m.private ? "private" : "public",
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: facts.defaultBranch,
    permissions: {
      admin: facts.admin,
      maintain: facts.admin,
      push: facts.canWrite,
      triage: facts.canWrite,
      pull: true,
    },
    created_at: m.createdAt,
    updated_at: facts.pushedAt ?? m.createdAt,
    pushed_at: facts.pushedAt ?? m.createdAt,
  };
}

/** `full-repository` adds the counts and merge settings. */
export function fullRepository(base: string, repo: RepoHandle, facts: RepoFacts) {
  return {
    ...repository(base, repo, facts),
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    network_count: 0,
    subscribers_count: 0,
  };
}
