import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiToken } from "@tablesnap/config";
import type { Context } from "hono";
import { unauthorized } from "./errors.ts";

/** Equal strings, compared in constant time (hashes first, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/**
 * The API token a request carries (`Authorization: Bearer <token>`), or a 401. Every configured
 * token is compared, so timing does not tell which one nearly matched.
 */
export function requireBearer(c: Context, tokens: readonly ApiToken[]): ApiToken {
  const scheme = 'Bearer realm="tablesnap"';
  if (tokens.length === 0) {
    throw unauthorized("API tokens are not configured; set TABLESNAP_API_TOKEN", "unauthorized");
  }
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw unauthorized("send Authorization: Bearer <token>", "unauthorized", scheme);
  }
  let found: ApiToken | undefined;
  for (const t of tokens) if (safeEqual(t.token, match[1]) && found === undefined) found = t;
  if (!found) throw unauthorized("bearer token not accepted", "unauthorized", scheme);
  return found;
}
