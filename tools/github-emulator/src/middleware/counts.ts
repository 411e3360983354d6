import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { Env } from "../context.ts";
import type { RequestCounts } from "../types.ts";
import { isWrite } from "./faults.ts";

/** Counts requests by method and by route template. */
export class RequestCounter {
  #total = 0;
  #writes = 0;
  #byMethod = new Map<string, number>();
  #byRoute = new Map<string, number>();

  record(method: string, route: string): void {
    this.#total++;
    if (isWrite(method)) this.#writes++;
    this.#byMethod.set(method, (this.#byMethod.get(method) ?? 0) + 1);
    const key = `${method} ${route}`;
    this.#byRoute.set(key, (this.#byRoute.get(key) ?? 0) + 1);
  }

  snapshot(): RequestCounts {
    return {
      total: this.#total,
      writes: this.#writes,
      byMethod: Object.fromEntries(this.#byMethod),
      byRoute: Object.fromEntries(this.#byRoute),
    };
  }

  reset(): void {
    this.#total = 0;
    this.#writes = 0;
    this.#byMethod = new Map();
    this.#byRoute = new Map();
  }
}

/**
 * Records every API request, faulted ones included, under the route it matched
 * (`/repos/{owner}/{repo}/git/trees`), known before any handler runs.
 */
export function countMiddleware(counter: RequestCounter) {
  return createMiddleware<Env>(async (c, next) => {
    counter.record(c.req.method, routeTemplate(c));
    await next();
  });
}

/** The route a request matched, GitHub-style: `/repos/{owner}/{repo}/git/trees`. */
export function routeTemplate(c: Context): string {
  const route = matchedRoutes(c).findLast((r) => r.method !== "ALL");
  return route ? route.path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, "{$1}") : "(unmatched)";
}
