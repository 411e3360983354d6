import { createRoute, type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { AppEnv } from "./types.ts";

export { createRoute, z } from "@hono/zod-openapi";

/** A tablesnap app: Hono with the OpenAPI registry its routes document themselves in. */
export type App = OpenAPIHono<AppEnv>;

/** `{ error: { code, message, request_id } }`: every error body. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string().openapi({ description: "What to do about it." }),
      request_id: z.string(),
    }),
  })
  .openapi("Error");

/** The error answers of a route, each with the shared error body. */
export function errorResponses(...codes: number[]) {
  return Object.fromEntries(
    codes.map((c) => [
      c,
      { description: `error (${c})`, content: { "application/json": { schema: ErrorSchema } } },
    ]),
  );
}

/** A JSON answer of a route. */
export function jsonResponse<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** `GET /healthz`, the same on every HTTP service: 200 `{ status: "ok" }` while it serves. */
export const HEALTHZ_ROUTE = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness",
  responses: { 200: jsonResponse("alive", z.object({ status: z.literal("ok") })) },
});

/** Routes behind an API token (`Authorization: Bearer`, or the dashboard's session). */
export const BEARER = [{ bearer: [] }];

/** Registers the bearer scheme and serves the document the routes make at `path`. */
export function serveOpenApiDocument(app: App, path = "/api/v1/openapi.json"): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
  });
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path,
      summary: "This document, generated from the routes",
      responses: { 200: { description: "OpenAPI 3.1" } },
    }),
  );
  app.doc31(path, {
    openapi: "3.1.0",
    info: { title: "tablesnap", version: "1", description: "Status API and ingress of tablesnap." },
  });
}

/**
 * Registers `route` in the document and gives its Hono path, for a handler that reads its body
 * itself (size limits, signatures over the raw bytes): nothing validates on its behalf.
 */
export function documentedPath(app: App, route: RouteConfig): string {
  app.openAPIRegistry.registerPath(route);
  return route.path.replace(/\{(\w+)\}/g, ":$1");
}
