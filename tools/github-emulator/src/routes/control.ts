import { Hono } from "hono";
import { readJson } from "../body.ts";
import type { Env } from "../context.ts";
import { GitHubApiError, messageOf } from "../errors.ts";
import type {
  AppSpec,
  BranchProtection,
  DeliverySeed,
  EmulatorControl,
  FaultSettings,
  InstallationSpec,
  TokenSpec,
} from "../types.ts";

/**
 * Test-only endpoints under `/_emulator`: the HTTP face of `EmulatorControl` for an emulator
 * running as a process. Not authenticated, not counted, never faulted. Bodies are the same
 * objects the in-process API takes (see `types.ts`).
 */
export function controlRoutes(control: EmulatorControl): Hono<Env> {
  const app = new Hono<Env>();
  const body = async <T>(c: Parameters<typeof readJson>[0]): Promise<T> => (await readJson(c)) as T;
  const applied = (run: () => unknown) => {
    try {
      return run();
    } catch (e) {
      throw new GitHubApiError(400, messageOf(e));
    }
  };

  app.get("/health", (c) => c.json({ ok: true }));

  app.get("/faults", (c) => c.json(control.faults.state()));
  app.post("/faults", async (c) => {
    control.faults.set(await body<FaultSettings>(c));
    return c.json(control.faults.state());
  });
  app.delete("/faults", (c) => {
    control.faults.clear();
    return c.json(control.faults.state());
  });

  app.get("/counts", (c) => c.json(control.counts()));
  app.delete("/counts", (c) => {
    control.resetCounts();
    return c.json(control.counts());
  });

  app.post("/tokens", async (c) => {
    const spec = await body<TokenSpec>(c);
    if (typeof spec.token !== "string" || !spec.token)
      throw new GitHubApiError(400, "token must be a non-empty string");
    control.addToken(spec);
    return c.json({ token: spec.token }, 201);
  });
  app.delete("/tokens/:token", (c) => {
    control.removeToken(c.req.param("token"));
    return c.body(null, 204);
  });

  app.post("/app", async (c) => {
    const spec = await body<AppSpec>(c);
    applied(() => control.configureApp(spec));
    return c.json({ id: spec.id }, 201);
  });
  app.post("/installations", async (c) => {
    const spec = await body<InstallationSpec>(c);
    control.addInstallation(spec);
    return c.json({ id: spec.id }, 201);
  });

  app.get("/deliveries", (c) => c.json(control.deliveries()));
  app.post("/deliveries", async (c) => {
    const seed = await body<DeliverySeed>(c);
    if (typeof seed.event !== "string") throw new GitHubApiError(400, "event must be a string");
    return c.json(control.addDelivery(seed), 201);
  });

  app.put("/protection/:owner/:repo/:branch{.+}", async (c) => {
    const { owner, repo, branch } = c.req.param();
    control.protectBranch(owner, repo, branch, await body<BranchProtection>(c));
    return c.body(null, 204);
  });
  app.delete("/protection/:owner/:repo/:branch{.+}", (c) => {
    const { owner, repo, branch } = c.req.param();
    control.unprotectBranch(owner, repo, branch);
    return c.body(null, 204);
  });

  return app;
}
