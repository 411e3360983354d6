import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import { TablesnapError } from "@tablesnap/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ADVICE_BY_CODE, badRequest, HttpError, STATUS_BY_CODE } from "./errors.ts";
import { silentLogger } from "./logger.ts";
import type { App } from "./openapi.ts";
import type { AppEnv, Logger } from "./types.ts";

export const REQUEST_ID_HEADER = "x-request-id";
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Seconds a sender should wait after a 503 before trying again. */
export const RETRY_AFTER_SECONDS = 5;

export interface NewAppOptions {
  readonly logger?: Logger;
}

/** `{ error: { code, message, request_id } }`: every error body looks like this. */
export function errorBody(c: Context<AppEnv>, code: string, message: string) {
  return { error: { code, message, request_id: c.get("requestId") } };
}

/**
 * A Hono app with tablesnap's shared middleware: a request id (the caller's `x-request-id` when it
 * is sane, else a new uuid) echoed on every answer, one JSON log line per request (method, path
 * without query, status, duration — never headers or bodies), one `onError` mapping error codes
 * to statuses, and JSON 404/405 answers.
 *
 * @example
 * const app = newApp({ logger });
 * app.get("/healthz", (c) => c.json({ status: "ok" }));
 */
export function newApp(options: NewAppOptions = {}): App {
  const logger = options.logger ?? silentLogger;
  const app: App = new OpenAPIHono<AppEnv>({
    // A parameter or query a route declares and the request breaks: one 400 in our error shape.
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map(
          (i) => `${i.path.join(".") || result.target}: ${i.message}`,
        );
        throw badRequest(
          `invalid ${result.target} (${issues.join("; ")})`,
          `invalid_${result.target}`,
        );
      }
    },
  });

  app.use(async (c, next) => {
    const given = c.req.header(REQUEST_ID_HEADER);
    const requestId = given !== undefined && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    const started = performance.now();
    await next();
    c.header(REQUEST_ID_HEADER, requestId);
    const status = c.res.status;
    const line = {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    };
    if (status >= 500) logger.error(line, "request failed");
    else logger.info(line, "request");
  });

  app.onError((error, c) => {
    const requestId = c.get("requestId");
    if (error instanceof HttpError) {
      for (const [k, v] of Object.entries(error.headers)) c.header(k, v);
      return c.json(errorBody(c, error.code, error.message), error.status);
    }
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      return c.json(errorBody(c, "http_error", error.message || "request refused"), status);
    }
    if (error instanceof TablesnapError && STATUS_BY_CODE[error.code] !== undefined) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      if (status === 503) c.header("retry-after", String(RETRY_AFTER_SECONDS));
      if (status >= 500) {
        logger.warn(
          { request_id: requestId, code: error.code, err: scrub(error.message) },
          "refused",
        );
      }
      const message = ADVICE_BY_CODE[error.code] ?? error.message;
      return c.json(errorBody(c, error.code, message), status);
    }
    // Unknown errors: their message may come from a library and is not shown to the caller.
    const name = error instanceof Error ? error.name : "Error";
    logger.error(
      { request_id: requestId, err: name, detail: scrub(String(error)) },
      "unhandled error",
    );
    const message = `internal error; report request id ${requestId} to the operator`;
    return c.json(errorBody(c, "internal", message), 500);
  });

  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      c.header("allow", allowed.join(", "));
      const message = `${c.req.method} is not allowed here; use ${allowed.join(" or ")}`;
      return c.json(errorBody(c, "method_not_allowed", message), 405);
    }
    const message = `no route ${c.req.method} ${c.req.path}; see /api/v1/openapi.json`;
    return c.json(errorBody(c, "not_found", message), 404);
  });

  return app;
}

/** The methods some route of `app` answers on `path` (routes, not middleware). */
function allowedMethods(app: App, path: string): string[] {
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL") continue;
    if (routePattern(r.path).test(path)) methods.add(r.method);
  }
  return [...methods].sort();
}

/** `/api/v1/runs/:id` → a RegExp matching that route's paths. */
export function routePattern(path: string): RegExp {
  const body = path
    .split("/")
    .map((s) => (s.startsWith(":") ? "[^/]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${body}/?$`);
}

/** Error text fit for logs: credentials in URLs (`scheme://user:pass@`) masked. */
export function scrub(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, "$1***@").slice(0, 500);
}
