import type { Context } from "hono";
import type { EmulatorState, Env } from "../context.ts";
import { emptyRepository, notFound } from "../errors.ts";
import { forbiddenFor, requireToken } from "../middleware/auth.ts";
import { inScope, type TokenRecord } from "../state/auth.ts";
import type { RepoHandle } from "../state/repos.ts";

export interface RepoAccess {
  readonly repo: RepoHandle;
  readonly token: TokenRecord;
  /** Origin of the request (`http://127.0.0.1:1234`): base of every URL in answers. */
  readonly base: string;
}

/** A path parameter; Hono decodes it (`heads%2Fmain` → `heads/main`, GitHub accepts both). */
export function param(c: Context<Env>, name: string): string {
  return c.req.param(name) ?? "";
}

/**
 * The repository of `/repos/{owner}/{repo}/…` if the token may see it. Like GitHub, a
 * repository the token cannot see is 404, not 403; a read-only token writing is 403.
 */
export async function repoFor(
  c: Context<Env>,
  state: EmulatorState,
  need: "read" | "write",
): Promise<RepoAccess> {
  const token = requireToken(c);
  const owner = param(c, "owner");
  const name = param(c, "repo");
  if (!inScope(token.scope, owner, name)) throw notFound();
  const repo = await state.repos.find(owner, name);
  if (!repo) throw notFound();
  if (need === "write" && token.permission !== "write") throw forbiddenFor(token);
  return { repo, token, base: new URL(c.req.url).origin };
}

/** As `repoFor`, for the git data endpoints: an empty repository answers 409. */
export async function gitRepoFor(
  c: Context<Env>,
  state: EmulatorState,
  need: "read" | "write",
): Promise<RepoAccess> {
  const access = await repoFor(c, state, need);
  if (await access.repo.git.isEmpty()) throw emptyRepository();
  return access;
}
