import { Hono } from "hono";
import { isSha, optArray, readJson, reqString, wrongType } from "../body.ts";
import type { EmulatorState, Env } from "../context.ts";
import { notFound, unprocessable } from "../errors.ts";
import { type ParsedCommit, parseCommit } from "../git/objects.ts";
import { gitCommit } from "../render/git.ts";
import { gitRepoFor, param } from "./access.ts";
import { bodyIdentity, tokenIdentity } from "./identity.ts";

/** Git commits: get one, create one from a tree and parents. */
export function commitRoutes(state: EmulatorState): Hono<Env> {
  const app = new Hono<Env>();

  app.get("/repos/:owner/:repo/git/commits/:sha", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "read");
    const sha = param(c, "sha");
    const obj = isSha(sha) ? await repo.git.read(sha) : null;
    if (obj?.type !== "commit") throw notFound();
    return c.json(gitCommit(base, repo.fullName, sha, parseCommit(obj.data)));
  });

  app.post("/repos/:owner/:repo/git/commits", async (c) => {
    const { repo, token, base } = await gitRepoFor(c, state, "write");
    const body = await readJson(c);
    const message = reqString(body, "message");
    const tree = reqString(body, "tree");
    const parents = (optArray(body, "parents") ?? []).map((p, i) => {
      if (typeof p !== "string") throw wrongType(`properties/parents/items/${i}`, p, "a string");
      return p;
    });
    const treeObj = isSha(tree) ? await repo.git.info(tree) : null;
    if (treeObj?.type !== "tree") throw unprocessable("Tree SHA does not exist", { tree });
    for (const p of parents) {
      const obj = isSha(p) ? await repo.git.info(p) : null;
      if (obj?.type !== "commit")
        throw unprocessable("Parent SHA does not exist or is not a commit object", { parent: p });
    }
    const now = state.now();
    const author = bodyIdentity(body, "author", now) ?? tokenIdentity(token, now);
    const committer = bodyIdentity(body, "committer", now) ?? author;
    const parsed: ParsedCommit = { tree, parents, author, committer, message };
    const sha = await repo.git.commitTree(parsed);
    c.header("location", `${base}/repos/${repo.fullName}/git/commits/${sha}`);
    return c.json(gitCommit(base, repo.fullName, sha, parsed), 201);
  });

  return app;
}
