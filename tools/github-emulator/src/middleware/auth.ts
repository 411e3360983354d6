import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { EmulatorState, Env } from "../context.ts";
import { GitHubApiError } from "../errors.ts";
import { looksLikeJwt, verifyAppJwt } from "../jwt.ts";
import type { AppConfig, TokenRecord } from "../state/auth.ts";

const BAD_CREDENTIALS = "Bad credentials";
const NEEDS_JWT = "A JSON web token could not be decoded";

/**
 * Resolves the `Authorization` header (`token X`, `Bearer X`) to a principal: a configured or
 * issued token that has not expired, or an app JWT that passes the checks. Anything else: 401.
 */
export function authMiddleware(state: EmulatorState) {
  return createMiddleware<Env>(async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) throw new GitHubApiError(401, "Requires authentication");
    const [scheme = "", value = ""] = header.trim().split(/\s+/);
    if (!/^(token|bearer)$/i.test(scheme) || !value) throw new GitHubApiError(401, BAD_CREDENTIALS);
    const token = state.auth.token(value);
    if (token) {
      if (token.expiresAt !== undefined && token.expiresAt <= state.now())
        throw new GitHubApiError(401, BAD_CREDENTIALS, { context: { expired: true } });
      c.set("principal", { kind: "token", token });
    } else if (looksLikeJwt(value)) {
      const app = state.auth.app;
      const check = verifyAppJwt(value, app, Math.floor(state.now() / 1000));
      if (!check.ok || !app) throw new GitHubApiError(401, check.ok ? NEEDS_JWT : check.message);
      c.set("principal", { kind: "app", app });
    } else {
      throw new GitHubApiError(401, BAD_CREDENTIALS);
    }
    await next();
  });
}

/** The token of the request; an app JWT cannot call repository endpoints. */
export function requireToken(c: Context<Env>): TokenRecord {
  const p = c.get("principal");
  if (p.kind !== "token") throw new GitHubApiError(403, "Resource not accessible by integration");
  return p.token;
}

/** The app of the request; a token cannot call `/app` endpoints (GitHub: 401). */
export function requireApp(c: Context<Env>): AppConfig {
  const p = c.get("principal");
  if (p.kind !== "app") throw new GitHubApiError(401, NEEDS_JWT);
  return p.app;
}

export function forbiddenFor(token: TokenRecord): GitHubApiError {
  return new GitHubApiError(
    403,
    token.kind === "installation"
      ? "Resource not accessible by integration"
      : "Resource not accessible by personal access token",
  );
}
