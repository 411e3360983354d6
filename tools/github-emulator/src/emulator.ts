import type { Hono } from "hono";
import { newApp } from "./app.ts";
import type { EmulatorState, Env } from "./context.ts";
import { RequestCounter } from "./middleware/counts.ts";
import { Faults } from "./middleware/faults.ts";
import { RateLimiter } from "./middleware/rate-limit.ts";
import { AuthStore } from "./state/auth.ts";
import { DeliveryStore } from "./state/deliveries.ts";
import { ProtectionStore } from "./state/protection.ts";
import { RepoRegistry } from "./state/repos.ts";
import type { EmulatorControl, EmulatorOptions } from "./types.ts";

export interface EmulatorCore {
  /** Call with `app.request(...)` in unit tests, or serve it. */
  readonly app: Hono<Env>;
  readonly control: EmulatorControl;
  /** Stops the git processes kept per repository. */
  close(): void;
}

/** The emulator without a server: state, control API and Hono app. */
export function createEmulator(options: Omit<EmulatorOptions, "port" | "hostname">): EmulatorCore {
  const now = options.now ?? Date.now;
  const state: EmulatorState = {
    repos: new RepoRegistry(options.dataDir),
    auth: new AuthStore(),
    deliveries: new DeliveryStore(now),
    protection: new ProtectionStore(),
    faults: new Faults(),
    counter: new RequestCounter(),
    rateLimiter: new RateLimiter(options.rateLimit ?? 5000, now),
    now,
    installationTokenTtlS: options.installationTokenTtlSeconds ?? 3600,
  };
  for (const t of options.tokens ?? []) state.auth.addToken(t);
  if (options.app) state.auth.configureApp(options.app);
  if (options.faults) state.faults.set(options.faults);

  const control: EmulatorControl = {
    dataDir: options.dataDir,
    faults: state.faults,
    counts: () => state.counter.snapshot(),
    resetCounts: () => state.counter.reset(),
    addToken: (spec) => state.auth.addToken(spec),
    removeToken: (token) => state.auth.removeToken(token),
    configureApp: (spec) => state.auth.configureApp(spec),
    addInstallation: (spec) => state.auth.addInstallation(spec),
    addDelivery: (seed) => state.deliveries.add(seed),
    deliveries: () => state.deliveries.all(),
    protectBranch: (owner, repo, branch, protection = {}) =>
      state.protection.set(owner, repo, branch, protection),
    unprotectBranch: (owner, repo, branch) => state.protection.delete(owner, repo, branch),
    repoPath: (owner, repo) => state.repos.path(owner, repo),
  };
  return { app: newApp(state, control), control, close: () => state.repos.close() };
}
