import type { Context } from "hono";
import { type Json, optArray, optObject, readJson, wrongType } from "../body.ts";
import type { EmulatorState, Env } from "../context.ts";
import { notFound, unprocessable } from "../errors.ts";
import { requireApp } from "../middleware/auth.ts";
import { repository } from "../render/repo.ts";
import { DEFAULT_INSTALLATION_PERMISSIONS, inScope, installationScope } from "../state/auth.ts";
import type { RepoHandle } from "../state/repos.ts";
import { param } from "./access.ts";
import { repoFacts } from "./repo-facts.ts";

const LEVELS: Readonly<Record<string, number>> = { read: 1, write: 2, admin: 3 };
const NOT_ACCESSIBLE =
  "There is at least one repository that does not exist or is not accessible to the parent installation.";

/**
 * `POST /app/installations/{id}/access_tokens`: an installation token, optionally narrowed to
 * some repositories and permissions, expiring after the configured lifetime (1 h).
 */
export async function accessTokenRoute(c: Context<Env>, state: EmulatorState) {
  requireApp(c);
  const inst = state.auth.installation(Number(param(c, "id")));
  if (!inst) throw notFound();
  const body = await readJson(c);
  const scope = installationScope(inst);
  const granted: Json = inst.permissions ?? DEFAULT_INSTALLATION_PERMISSIONS;
  const asked = optObject(body, "permissions") ?? granted;
  for (const [name, level] of Object.entries(asked)) {
    const have = LEVELS[String(granted[name])] ?? 0;
    if ((LEVELS[String(level)] ?? 99) > have)
      throw unprocessable("The permissions requested are not granted to this installation.");
  }
  const selected: RepoHandle[] = [];
  for (const [i, name] of (optArray(body, "repositories") ?? []).entries()) {
    if (typeof name !== "string")
      throw wrongType(`properties/repositories/items/${i}`, name, "a string");
    const repo = await state.repos.find(inst.account, name);
    if (!repo || !inScope(scope, repo.meta.owner, repo.meta.name))
      throw unprocessable(NOT_ACCESSIBLE);
    selected.push(repo);
  }
  for (const [i, id] of (optArray(body, "repository_ids") ?? []).entries()) {
    if (typeof id !== "number")
      throw wrongType(`properties/repository_ids/items/${i}`, id, "an integer");
    const repo = await state.repos.byId(id);
    if (!repo || !inScope(scope, repo.meta.owner, repo.meta.name))
      throw unprocessable(NOT_ACCESSIBLE);
    selected.push(repo);
  }
  const names = selected.length
    ? new Set(selected.map((r) => r.fullName.toLowerCase()))
    : undefined;
  const expiresAt = state.now() + state.installationTokenTtlS * 1000;
  const permissions = Object.fromEntries(Object.entries(asked).map(([k, v]) => [k, String(v)]));
  const token = state.auth.issueInstallationToken(inst, names, permissions, expiresAt);
  const base = new URL(c.req.url).origin;
  const listed = selected.length
    ? selected
    : inst.repositories
      ? await covered(state, inst.account, inst.repositories)
      : [];
  const repositories = await Promise.all(
    listed.map(async (r) => repository(base, r, await repoFacts(r, token))),
  );
  return c.json(
    {
      token: token.token,
      expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
      permissions,
      repository_selection: names || inst.repositories ? "selected" : "all",
      ...(repositories.length ? { repositories } : {}),
    },
    201,
  );
}

async function covered(state: EmulatorState, owner: string, names: readonly string[]) {
  const found = await Promise.all(names.map((n) => state.repos.find(owner, n)));
  return found.filter((r) => r !== undefined);
}
