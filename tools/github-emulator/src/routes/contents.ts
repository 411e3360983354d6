import { Hono } from "hono";
import { decodeBase64 } from "../base64.ts";
import { missing, optString, readJson, reqString } from "../body.ts";
import type { EmulatorState, Env } from "../context.ts";
import { GitHubApiError, invalidRequest, unprocessable } from "../errors.ts";
import { ZERO_SHA } from "../git/bare-repo.ts";
import { type ParsedCommit, parseCommit } from "../git/objects.ts";
import { editTree, findEntry } from "../git/tree-edit.ts";
import { fileCommit } from "../render/git.ts";
import { param, repoFor } from "./access.ts";
import { bodyIdentity, tokenIdentity } from "./identity.ts";
import { refuseIfProtected } from "./refs.ts";
import { isValidPath } from "./tree-input.ts";

const ATTEMPTS = 5;
const BLOB_MODES = new Set(["100644", "100755"]);

/**
 * `PUT /repos/{owner}/{repo}/contents/{path}`: one file, one commit on a branch. The only
 * git-writing endpoint that works on an empty repository (it makes the first commit).
 */
export function contentRoutes(state: EmulatorState): Hono<Env> {
  const app = new Hono<Env>();

  app.put("/repos/:owner/:repo/contents/:path{.+}", async (c) => {
    const { repo, token, base } = await repoFor(c, state, "write");
    const path = param(c, "path").replace(/^\/+|\/+$/g, "");
    if (!isValidPath(path))
      throw unprocessable("path contains a malformed path component", { path });
    const body = await readJson(c);
    const message = reqString(body, "message");
    const content = body["content"] === undefined ? undefined : reqString(body, "content");
    if (content === undefined) throw missing("content");
    const data = decodeBase64(content);
    if (!data) throw invalidRequest("content is not valid Base64");
    const expectedSha = optString(body, "sha");
    const branch = optString(body, "branch") ?? (await repo.git.headBranch());
    const ref = `refs/heads/${branch}`;
    if (!(await repo.git.isValidRefName(ref)))
      throw new GitHubApiError(404, `Branch ${branch} not found`);
    refuseIfProtected(state, repo, ref, false);
    const now = state.now();
    const committer = bodyIdentity(body, "committer", now) ?? tokenIdentity(token, now);
    const author = bodyIdentity(body, "author", now) ?? committer;
    const blob = await repo.git.writeBlob(data);

    for (let i = 0; i < ATTEMPTS; i++) {
      const head = await repo.git.resolveRef(ref);
      const wasEmpty = !head && (await repo.git.isEmpty());
      if (!head && !wasEmpty) throw new GitHubApiError(404, `Branch ${branch} not found`);
      const headObj = head ? await repo.git.read(head.sha) : null;
      const headTree = headObj ? parseCommit(headObj.data).tree : undefined;
      const existing = headTree ? await findEntry(repo.git, headTree, path) : undefined;
      if (existing?.type === "tree") throw unprocessable(`${path} is a directory`, { path });
      if (existing && expectedSha === undefined) throw invalidRequest(`"sha" wasn't supplied.`);
      if (existing && expectedSha !== existing.sha)
        throw new GitHubApiError(409, `${path} does not match ${expectedSha}`);
      const mode = existing && BLOB_MODES.has(existing.mode) ? existing.mode : "100644";
      const tree = await editTree(repo.git, headTree, [
        { path, kind: "set", mode, type: "blob", sha: blob },
      ]);
      const parsed: ParsedCommit = {
        tree,
        parents: head ? [head.sha] : [],
        message,
        author,
        committer,
      };
      const sha = await repo.git.commitTree(parsed);
      if (!(await repo.git.updateRef(ref, sha, head?.sha ?? ZERO_SHA))) continue; // moved: again
      // The first branch of an empty repository becomes its default, as a first push does.
      if (wasEmpty && (await repo.git.headBranch()) !== branch)
        await repo.git.setHeadBranch(branch);
      const file = { path, sha: blob, size: data.length, branch };
      return c.json(fileCommit(base, repo.fullName, file, { sha, parsed }), existing ? 200 : 201);
    }
    throw new GitHubApiError(409, "Reference update failed", { retriable: true });
  });

  return app;
}
