import { createMiddleware } from "hono/factory";
import type { Env } from "../context.ts";
import { GitHubApiError } from "../errors.ts";
import type { FaultControl, FaultSettings, FaultState } from "../types.ts";

const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);
export const isWrite = (method: string): boolean => WRITE_METHODS.has(method.toUpperCase());

const CLEAR: FaultState = {
  secondaryRateLimit: 0,
  retryAfterSeconds: 60,
  badGateway: 0,
  delayMs: 0,
  writesOnly: false,
};

/** Faults switched on by tests; each counted fault is used up by one request. */
export class Faults implements FaultControl {
  #state: FaultState = CLEAR;

  set(settings: FaultSettings): void {
    const merged = { ...this.#state };
    for (const [k, v] of Object.entries(settings))
      if (v !== undefined) Object.assign(merged, { [k]: v });
    this.#state = merged;
  }

  clear(): void {
    this.#state = CLEAR;
  }

  state(): FaultState {
    return this.#state;
  }

  /** The fault this request meets, consuming it. */
  take(method: string): "secondary" | "badGateway" | undefined {
    const s = this.#state;
    if (s.writesOnly && !isWrite(method)) return undefined;
    if (s.secondaryRateLimit > 0) {
      this.#state = { ...s, secondaryRateLimit: s.secondaryRateLimit - 1 };
      return "secondary";
    }
    if (s.badGateway > 0) {
      this.#state = { ...s, badGateway: s.badGateway - 1 };
      return "badGateway";
    }
    return undefined;
  }
}

export const RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";

const SECONDARY =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID";

export function faultMiddleware(faults: Faults) {
  return createMiddleware<Env>(async (c, next) => {
    const { delayMs } = faults.state();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const fault = faults.take(c.req.method);
    if (fault === "secondary") {
      const retryAfter = String(faults.state().retryAfterSeconds);
      throw new GitHubApiError(403, `${SECONDARY} ${c.get("requestId")}.`, {
        headers: { "retry-after": retryAfter },
        retriable: true,
        documentationUrl: `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
      });
    }
    if (fault === "badGateway") {
      throw new GitHubApiError(502, "Server Error", { retriable: true });
    }
    await next();
  });
}
