import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Env } from "../context.ts";
import { documentationUrl } from "../docs.ts";
import { GitHubApiError, messageOf } from "../errors.ts";
import { requestId } from "../state/ids.ts";
import { routeTemplate } from "./counts.ts";

/** Headers GitHub sends on every answer; the request id is also in secondary-limit messages. */
export const edgeHeaders = createMiddleware<Env>(async (c, next) => {
  const id = requestId();
  c.set("requestId", id);
  c.header("x-github-request-id", id);
  c.header("x-github-api-version-selected", "2022-11-28");
  c.header("x-github-media-type", "github.v3; format=json");
  await next();
});

/**
 * The one error handler: a `GitHubApiError` becomes GitHub's error body (`message`,
 * `documentation_url`, `status`, `errors` when validation failed). Anything else is a bug or
 * a broken data dir: 500, logged with the request id to find it.
 */
export function errorResponse(err: Error, c: Context<Env>): Response {
  if (err instanceof GitHubApiError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    const body = {
      message: err.message,
      ...(err.errors ? { errors: err.errors } : {}),
      documentation_url:
        err.documentationUrl ?? documentationUrl(c.req.method, routeTemplate(c), err.status),
      status: String(err.status),
    };
    return c.json(body, err.status);
  }
  console.error(`github-emulator: request ${c.get("requestId")} failed: ${messageOf(err)}`, err);
  return c.json(
    { message: "Server Error", documentation_url: "https://docs.github.com/rest", status: "500" },
    500,
  );
}

export function notFoundResponse(c: Context<Env>): Response {
  return c.json(
    { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" },
    404,
  );
}
