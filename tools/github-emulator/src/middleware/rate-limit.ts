import { createMiddleware } from "hono/factory";
import type { Env } from "../context.ts";
import { GitHubApiError } from "../errors.ts";
import { looksLikeJwt } from "../jwt.ts";
import { RATE_LIMIT_DOCS } from "./faults.ts";

const WINDOW_MS = 60 * 60 * 1000;
/** GitHub's limit for requests without credentials. */
const ANONYMOUS_LIMIT = 60;

interface Bucket {
  used: number;
  resetAt: number;
}

/** GitHub's primary rate limit: a number of requests per credential and hour. */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #limit: number;
  readonly #now: () => number;

  constructor(limit: number, now: () => number) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Counts one request of `key`; what the `x-ratelimit-*` headers say afterwards. */
  hit(key: string): { limit: number; used: number; resetS: number; exceeded: boolean } {
    const now = this.#now();
    const limit = key === "anonymous" ? ANONYMOUS_LIMIT : this.#limit;
    let b = this.#buckets.get(key);
    if (!b || b.resetAt <= now) {
      b = { used: 0, resetAt: now + WINDOW_MS };
      this.#buckets.set(key, b);
    }
    const exceeded = b.used >= limit;
    if (!exceeded) b.used++;
    return { limit, used: b.used, resetS: Math.ceil(b.resetAt / 1000), exceeded };
  }
}

function credentialKey(authorization: string | undefined): string {
  const value = authorization?.split(/\s+/)[1];
  if (!value) return "anonymous";
  return looksLikeJwt(value) ? "app" : `token:${value}`;
}

export function rateLimitMiddleware(limiter: RateLimiter) {
  return createMiddleware<Env>(async (c, next) => {
    const r = limiter.hit(credentialKey(c.req.header("authorization")));
    c.header("x-ratelimit-limit", String(r.limit));
    c.header("x-ratelimit-remaining", String(r.limit - r.used));
    c.header("x-ratelimit-reset", String(r.resetS));
    c.header("x-ratelimit-used", String(r.used));
    c.header("x-ratelimit-resource", "core");
    if (r.exceeded) {
      throw new GitHubApiError(403, "API rate limit exceeded. Wait for the limit to reset.", {
        headers: { "x-ratelimit-remaining": "0" },
        retriable: true,
        documentationUrl: `${RATE_LIMIT_DOCS}#about-the-primary-rate-limits`,
      });
    }
    await next();
  });
}
