import { Hono } from "hono";
import { isSha, optBool, readJson, reqString } from "../body.ts";
import type { EmulatorState, Env } from "../context.ts";
import { GitHubApiError, notFound, unprocessable } from "../errors.ts";
import { ZERO_SHA } from "../git/bare-repo.ts";
import { gitRef } from "../render/git.ts";
import type { RepoHandle } from "../state/repos.ts";
import { gitRepoFor, param } from "./access.ts";

/** Compare-and-swap retries when another request moves the ref between read and update. */
const ATTEMPTS = 5;

const REF_FAILED = "Reference update failed";

/** Git references: get, list by prefix, create, update (fast-forward unless forced), delete. */
export function refRoutes(state: EmulatorState): Hono<Env> {
  const app = new Hono<Env>();

  app.get("/repos/:owner/:repo/git/ref/:ref{.+}", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "read");
    const found = await repo.git.resolveRef(`refs/${param(c, "ref")}`);
    if (!found) throw notFound();
    return c.json(gitRef(base, repo.fullName, found));
  });

  app.get("/repos/:owner/:repo/git/matching-refs/:ref{.*}", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "read");
    const refs = await repo.git.listRefs(`refs/${param(c, "ref")}`);
    return c.json(refs.map((r) => gitRef(base, repo.fullName, r)));
  });

  // The older form some clients still use: one ref when the name is exact, else the refs
  // under it as a folder (`heads` → every branch), as GitHub still answers it.
  app.get("/repos/:owner/:repo/git/refs/:ref{.+}", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "read");
    const ref = `refs/${param(c, "ref").replace(/\/+$/, "")}`;
    const exact = await repo.git.resolveRef(ref);
    if (exact) return c.json(gitRef(base, repo.fullName, exact));
    const under = await repo.git.listRefs(`${ref}/`);
    if (under.length === 0) throw notFound();
    return c.json(under.map((r) => gitRef(base, repo.fullName, r)));
  });

  app.post("/repos/:owner/:repo/git/refs", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "write");
    const body = await readJson(c);
    const ref = reqString(body, "ref");
    const sha = reqString(body, "sha");
    if (
      !ref.startsWith("refs/") ||
      ref.split("/").length < 3 ||
      !(await repo.git.isValidRefName(ref))
    )
      throw unprocessable(REF_FAILED, { ref });
    if (!isSha(sha) || !(await repo.git.info(sha))) throw unprocessable("Object does not exist");
    if (await repo.git.resolveRef(ref)) throw unprocessable("Reference already exists");
    if (!(await repo.git.updateRef(ref, sha, ZERO_SHA))) {
      const exists = await repo.git.resolveRef(ref);
      throw unprocessable(exists ? "Reference already exists" : REF_FAILED, { ref });
    }
    const created = await repo.git.resolveRef(ref);
    if (!created) throw unprocessable(REF_FAILED, { ref });
    c.header("location", `${base}/repos/${repo.fullName}/git/${ref}`);
    return c.json(gitRef(base, repo.fullName, created), 201);
  });

  app.patch("/repos/:owner/:repo/git/refs/:ref{.+}", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "write");
    const body = await readJson(c);
    const sha = reqString(body, "sha");
    const force = optBool(body, "force") ?? false;
    const ref = `refs/${param(c, "ref")}`;
    for (let i = 0; i < ATTEMPTS; i++) {
      const current = await repo.git.resolveRef(ref);
      if (!current) throw unprocessable("Reference does not exist", { ref });
      const target = isSha(sha) ? await repo.git.info(sha) : null;
      if (!target) throw unprocessable("Object does not exist", { sha });
      const fastForward =
        current.sha === sha ||
        (current.type === "commit" &&
          target.type === "commit" &&
          (await repo.git.isAncestor(current.sha, sha)));
      refuseIfProtected(state, repo, ref, !fastForward);
      if (!fastForward && !force)
        throw new GitHubApiError(422, "Update is not a fast forward", { retriable: true });
      if (await repo.git.updateRef(ref, sha, current.sha)) {
        return c.json(gitRef(base, repo.fullName, { ref, sha, type: target.type }));
      }
    }
    throw new GitHubApiError(409, REF_FAILED, { retriable: true, context: { ref } });
  });

  app.delete("/repos/:owner/:repo/git/refs/:ref{.+}", async (c) => {
    const { repo } = await gitRepoFor(c, state, "write");
    const ref = `refs/${param(c, "ref")}`;
    for (let i = 0; i < ATTEMPTS; i++) {
      const current = await repo.git.resolveRef(ref);
      if (!current) throw unprocessable("Reference does not exist", { ref });
      refuseIfProtected(state, repo, ref, true);
      if (await repo.git.deleteRef(ref, current.sha)) return c.body(null, 204);
    }
    throw new GitHubApiError(409, REF_FAILED, { retriable: true, context: { ref } });
  });

  return app;
}

/** Branch protection set by a test: refuse like GitHub's protected-branch answers. */
export function refuseIfProtected(
  state: EmulatorState,
  repo: RepoHandle,
  ref: string,
  force: boolean,
): void {
  if (!ref.startsWith("refs/heads/")) return;
  const branch = ref.slice("refs/heads/".length);
  const refusal = state.protection.refusal(repo.meta.owner, repo.meta.name, branch, force);
  if (refusal) throw new GitHubApiError(refusal.status, refusal.message, { context: { ref } });
}
