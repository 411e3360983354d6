import { Hono } from "hono";
import { decodeBase64 } from "../base64.ts";
import { isSha, optString, readJson, reqString } from "../body.ts";
import type { EmulatorState, Env } from "../context.ts";
import { invalidRequest, notFound, unprocessable } from "../errors.ts";
import { gitBlob } from "../render/git.ts";
import { gitRepoFor, param } from "./access.ts";

/** Git blobs: get (base64) and create from UTF-8 or base64 content. */
export function blobRoutes(state: EmulatorState): Hono<Env> {
  const app = new Hono<Env>();

  app.get("/repos/:owner/:repo/git/blobs/:sha", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "read");
    const sha = param(c, "sha");
    if (!isSha(sha))
      throw unprocessable(
        "The sha parameter must be exactly 40 characters and contain only [0-9a-f].",
      );
    const obj = await repo.git.read(sha);
    if (obj?.type !== "blob") throw notFound();
    return c.json(gitBlob(base, repo.fullName, sha, obj.data));
  });

  app.post("/repos/:owner/:repo/git/blobs", async (c) => {
    const { repo, base } = await gitRepoFor(c, state, "write");
    const body = await readJson(c);
    const content = reqString(body, "content");
    const encoding = (optString(body, "encoding") ?? "utf-8").toLowerCase();
    let data: Buffer | undefined;
    if (encoding === "utf-8" || encoding === "utf8") data = Buffer.from(content, "utf8");
    else if (encoding === "base64") {
      data = decodeBase64(content);
      if (!data) throw invalidRequest("content is not valid Base64");
    } else {
      throw invalidRequest(`encoding ${JSON.stringify(encoding)} is not one of utf-8, base64.`);
    }
    const sha = await repo.git.writeBlob(data);
    const url = `${base}/repos/${repo.fullName}/git/blobs/${sha}`;
    c.header("location", url);
    return c.json({ sha, url }, 201);
  });

  return app;
}
