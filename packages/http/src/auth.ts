import type { ApiToken } from "@tablesnap/config";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { safeEqual } from "./auth-compare.ts";
import { forbidden, unauthorized } from "./errors.ts";
import { SESSION_COOKIE, sessionToken } from "./session.ts";

export { safeEqual } from "./auth-compare.ts";

const SCHEME = 'Bearer realm="tablesnap"';
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The API token a request carries (`Authorization: Bearer <token>`), or a 401. Every configured
 * token is compared, so timing does not tell which one nearly matched.
 */
export function requireBearer(c: Context, tokens: readonly ApiToken[]): ApiToken {
  if (tokens.length === 0) {
    throw unauthorized(
      "API tokens are not configured; set TABLESNAP_API_TOKEN or TABLESNAP_VIEWER_TOKEN",
      "unauthorized",
    );
  }
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw unauthorized("send Authorization: Bearer <token>", "unauthorized", SCHEME);
  }
  let found: ApiToken | undefined;
  for (const t of tokens) if (safeEqual(t.token, match[1]) && found === undefined) found = t;
  if (!found) throw unauthorized("bearer token not accepted", "unauthorized", SCHEME);
  return found;
}

/**
 * The token behind a request: its bearer header, else the dashboard's session cookie. A request
 * that changes something on a session's behalf must come from the dashboard's own origin (the
 * `Origin` header's host is the request's `Host`, or `X-Forwarded-Host` behind a proxy): another
 * site cannot ride the cookie.
 */
export function requireToken(c: Context, tokens: readonly ApiToken[], now: Date): ApiToken {
  const cookie = getCookie(c, SESSION_COOKIE);
  if (c.req.header("authorization") !== undefined || cookie === undefined) {
    return requireBearer(c, tokens);
  }
  const token = sessionToken(cookie, tokens, now);
  if (token === null) {
    throw unauthorized("the session ended; sign in again at /login", "unauthorized", SCHEME);
  }
  if (!SAFE_METHODS.has(c.req.method) && !sameOrigin(c)) {
    throw forbidden("a cross-site request cannot use the dashboard's session", "cross_site");
  }
  return token;
}

/** A token that may queue backups (an operator's), or a 403 for a viewer's. */
export function requireOperator(token: ApiToken): ApiToken {
  if (token.role !== "operator") {
    throw forbidden(
      `token ${token.name} is a viewer token (TABLESNAP_VIEWER_TOKEN): it reads but cannot queue backups`,
      "viewer_token",
    );
  }
  return token;
}

/** The `Origin`'s host is the request's: its `Host`, or the `X-Forwarded-Host` a proxy set. */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  if (origin === undefined) return false;
  const hosts = [c.req.header("host"), c.req.header("x-forwarded-host")?.split(",")[0]?.trim()];
  try {
    const from = new URL(origin).host;
    return hosts.some((h) => h !== undefined && h !== "" && h === from);
  } catch {
    return false;
  }
}
