import { createHmac } from "node:crypto";
import type { ApiToken } from "@tablesnap/config";
import { safeEqual } from "./auth-compare.ts";

/** The dashboard's session cookie: which token signed in, until when, signed with that token. */
export const SESSION_COOKIE = "tablesnap_session";
/** A session lasts 12 hours; signing in again starts a new one. */
export const SESSION_SECONDS = 12 * 3600;

function mac(token: ApiToken, payload: string): string {
  return createHmac("sha256", `tablesnap-session\0${token.token}`)
    .update(payload)
    .digest("base64url");
}

/**
 * A session value for `token`: `<expiry>.<name>.<mac>`, the MAC keyed by the token's secret. No
 * server-side state, so every status API replica accepts it; removing the token from the
 * configuration ends its sessions.
 */
export function sessionValue(token: ApiToken, now: Date): string {
  const expires = Math.floor(now.getTime() / 1000) + SESSION_SECONDS;
  const payload = `${expires}.${Buffer.from(token.name).toString("base64url")}`;
  return `${payload}.${mac(token, payload)}`;
}

/** The token a session value was signed with, or null when it is malformed, forged or expired. */
export function sessionToken(
  value: string,
  tokens: readonly ApiToken[],
  now: Date,
): ApiToken | null {
  const [expires, name64, signature, ...rest] = value.split(".");
  if (expires === undefined || name64 === undefined || signature === undefined) return null;
  if (rest.length > 0 || !/^\d{1,12}$/.test(expires)) return null;
  if (Number(expires) * 1000 <= now.getTime()) return null;
  const name = Buffer.from(name64, "base64url").toString();
  const payload = `${expires}.${name64}`;
  let found: ApiToken | null = null;
  for (const t of tokens)
    if (t.name === name && safeEqual(mac(t, payload), signature) && found === null) found = t;
  return found;
}
