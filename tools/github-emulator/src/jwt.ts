import { verify } from "node:crypto";
import type { AppConfig } from "./state/auth.ts";

export type JwtCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

const UNDECODABLE = "A JSON web token could not be decoded";
const BAD_EXP =
  "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
const BAD_IAT =
  "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
/** GitHub allows ten minutes; a minute more absorbs clock drift as GitHub's leeway does. */
const MAX_LIFETIME_S = 11 * 60;

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Three base64url parts whose first decodes to a JOSE header: what GitHub treats as a JWT. */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split(".");
  return parts.length === 3 && typeof decodePart(parts[0] ?? "")?.["alg"] === "string";
}

/**
 * Checks an app JWT the way GitHub does: RS256, signed with the app's key (when the emulator
 * has one), `iss` the app id or client id, `iat` not in the future, `exp` in the next 10 min.
 */
export function verifyAppJwt(token: string, app: AppConfig | undefined, nowS: number): JwtCheck {
  const [h = "", p = "", s = ""] = token.split(".");
  const header = decodePart(h);
  const claims = decodePart(p);
  if (!header || !claims || header["alg"] !== "RS256") return { ok: false, message: UNDECODABLE };
  if (app?.key && !verify("sha256", Buffer.from(`${h}.${p}`), app.key, Buffer.from(s, "base64url")))
    return { ok: false, message: UNDECODABLE };
  const iss = claims["iss"];
  if (!app || (String(iss) !== String(app.id) && iss !== app.clientId))
    return { ok: false, message: "Integration not found" };
  const iat = claims["iat"];
  const exp = claims["exp"];
  if (typeof iat !== "number" || iat > nowS + 60) return { ok: false, message: BAD_IAT };
  if (typeof exp !== "number" || exp <= nowS) return { ok: false, message: BAD_EXP };
  if (exp - nowS > MAX_LIFETIME_S)
    return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future" };
  return { ok: true };
}
