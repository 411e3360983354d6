import { type Context, Hono } from "hono";
import { optBool, optString, readJson, reqString } from "../body.ts";
import type { EmulatorState, Env } from "../context.ts";
import { GitHubApiError, notFound } from "../errors.ts";
import { forbiddenFor, requireToken } from "../middleware/auth.ts";
import { fullRepository } from "../render/repo.ts";
import { isSafeName, type OwnerType, type RepoHandle } from "../state/repos.ts";
import { param, repoFor } from "./access.ts";
import { tokenIdentity } from "./identity.ts";
import { repoFacts } from "./repo-facts.ts";

const DEFAULT_BRANCH = "main";

const creationFailed = (message: string, code = "custom") =>
  new GitHubApiError(422, "Repository creation failed.", {
    errors: [{ resource: "Repository", code, field: "name", message }],
  });

/** GitHub turns characters a name cannot hold into `-`. */
const sanitizeName = (name: string): string => name.trim().replace(/[^A-Za-z0-9._-]/g, "-");

/** Repositories: create (user, organization) and get. */
export function repoRoutes(state: EmulatorState): Hono<Env> {
  const app = new Hono<Env>();

  app.post("/user/repos", async (c) => {
    const token = requireToken(c);
    const unrestricted = !token.scope.repos && !token.scope.owners;
    if (token.kind !== "personal" || !unrestricted || token.permission !== "write")
      throw forbiddenFor(token);
    return create(c, state, token.login, "User");
  });

  app.post("/orgs/:org/repos", async (c) => {
    const token = requireToken(c);
    const org = param(c, "org");
    if (!isSafeName(org)) throw notFound();
    const owners = token.scope.owners;
    const allowed = token.scope.repos ? false : !owners || owners.has(org.toLowerCase());
    if (!allowed || token.permission !== "write") throw forbiddenFor(token);
    return create(c, state, org, "Organization");
  });

  app.get("/repos/:owner/:repo", async (c) => {
    const { repo, token, base } = await repoFor(c, state, "read");
    return c.json(fullRepository(base, repo, await repoFacts(repo, token)));
  });

  return app;
}

async function create(c: Context<Env>, state: EmulatorState, owner: string, type: OwnerType) {
  const token = requireToken(c);
  const body = await readJson(c);
  const raw = reqString(body, "name");
  const name = sanitizeName(raw);
  if (!isSafeName(name) || name.length > 100) throw creationFailed("name is invalid", "invalid");
  const visibility = optString(body, "visibility");
  const repo = await state.repos.create(
    {
      owner,
      ownerType: type,
      name,
      private: optBool(body, "private") ?? (visibility !== undefined && visibility !== "public"),
      description: optString(body, "description") ?? null,
      homepage: optString(body, "homepage") ?? null,
      createdAt: new Date(state.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
    DEFAULT_BRANCH,
  );
  if (!repo) throw creationFailed("name already exists on this account");
  if (optBool(body, "auto_init")) await initialCommit(repo, tokenIdentity(token, state.now()));
  const base = new URL(c.req.url).origin;
  return c.json(fullRepository(base, repo, await repoFacts(repo, token)), 201);
}

/** `auto_init`: one commit with a README.md on the default branch, as GitHub makes it. */
async function initialCommit(repo: RepoHandle, who: ReturnType<typeof tokenIdentity>) {
  const m = repo.meta;
  const readme = `# ${m.name}\n${m.description ? `${m.description}\n` : ""}`;
  const blob = await repo.git.writeBlob(Buffer.from(readme));
  const tree = await repo.git.mktree([
    { mode: "100644", type: "blob", sha: blob, name: "README.md" },
  ]);
  const commit = await repo.git.commitTree({
    tree,
    parents: [],
    message: "Initial commit",
    author: who,
    committer: who,
  });
  await repo.git.updateRef(`refs/heads/${DEFAULT_BRANCH}`, commit, "0".repeat(40));
}
