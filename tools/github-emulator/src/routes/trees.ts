import { Hono } from "hono";
import { isSha, missing, optArray, optString, readJson } from "../body.ts";
import type { EmulatorState, Env } from "../context.ts";
import { notFound, unprocessable } from "../errors.ts";
import type { BareRepo } from "../git/bare-repo.ts";
import { parseCommit } from "../git/objects.ts";
import { editTree } from "../git/tree-edit.ts";
import { gitTree } from "../render/git.ts";
import { gitRepoFor, param } from "./access.ts";
import { treeEdits } from "./tree-input.ts";

/** Git trees: get (optionally recursive) and create from a base tree and edits. */
export function treeRoutes(state: EmulatorState): Hono<Env> {
  const app = new Hono<Env>();

  app.get("/repos/:owner/:repo/git/trees/:sha{.+}", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "read");
    const tree = await resolveTree(repo.git, param(c, "sha"));
    if (!tree) throw notFound();
    // GitHub: any value of `recursive` (even 0 or false) asks for the whole tree.
    const recursive = c.req.query("recursive") !== undefined;
    const entries = await repo.git.lsTree(tree, recursive);
    return c.json(gitTree(base, repo.fullName, tree, entries));
  });

  app.post("/repos/:owner/:repo/git/trees", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "write");
    const body = await readJson(c);
    const entries = optArray(body, "tree");
    if (!entries) throw missing("tree");
    const baseTree = optString(body, "base_tree");
    if (baseTree !== undefined) {
      const obj = isSha(baseTree) ? await repo.git.info(baseTree) : null;
      if (obj?.type !== "tree") throw unprocessable("base_tree is not a valid tree oid");
    }
    const edits = await treeEdits(repo.git, entries);
    const sha = await editTree(repo.git, baseTree, edits);
    c.header("location", `${base}/repos/${repo.fullName}/git/trees/${sha}`);
    return c.json(gitTree(base, repo.fullName, sha, await repo.git.lsTree(sha, false)), 201);
  });

  return app;
}

/** A tree sha, or what a commit sha, branch or tag name points at (GitHub accepts all). */
async function resolveTree(git: BareRepo, name: string): Promise<string | undefined> {
  let sha = isSha(name) ? name : undefined;
  if (!sha) {
    const ref =
      (await git.resolveRef(`refs/heads/${name}`)) ?? (await git.resolveRef(`refs/tags/${name}`));
    sha = ref?.sha;
  }
  for (let depth = 0; sha && depth < 5; depth++) {
    const info = await git.info(sha);
    if (info?.type === "tree") return sha;
    if (info?.type !== "commit" && info?.type !== "tag") return undefined;
    const obj = await git.read(sha);
    if (!obj) return undefined;
    if (obj.type === "commit") sha = parseCommit(obj.data).tree;
    else if (obj.type === "tag")
      sha = /^object ([0-9a-f]{40})/.exec(obj.data.toString("utf8"))?.[1];
    else return undefined;
  }
  return undefined;
}
