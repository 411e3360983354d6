import type { RequestCounter } from "./middleware/counts.ts";
import type { Faults } from "./middleware/faults.ts";
import type { RateLimiter } from "./middleware/rate-limit.ts";
import type { AppConfig, AuthStore, TokenRecord } from "./state/auth.ts";
import type { DeliveryStore } from "./state/deliveries.ts";
import type { ProtectionStore } from "./state/protection.ts";
import type { RepoRegistry } from "./state/repos.ts";

/** Who sent the request: a token (personal or installation) or the app itself (a JWT). */
export type Principal =
  | { readonly kind: "token"; readonly token: TokenRecord }
  | { readonly kind: "app"; readonly app: AppConfig };

/** Hono environment of every route: what middleware leaves for the handlers. */
export interface Env {
  Variables: {
    requestId: string;
    principal: Principal;
  };
}

/** Everything the routes share; one per emulator. */
export interface EmulatorState {
  readonly repos: RepoRegistry;
  readonly auth: AuthStore;
  readonly deliveries: DeliveryStore;
  readonly protection: ProtectionStore;
  readonly faults: Faults;
  readonly counter: RequestCounter;
  readonly rateLimiter: RateLimiter;
  readonly now: () => number;
  readonly installationTokenTtlS: number;
}
