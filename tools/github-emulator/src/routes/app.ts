import { Hono } from "hono";
import type { EmulatorState, Env } from "../context.ts";
import { notFound, unprocessable } from "../errors.ts";
import { requireApp } from "../middleware/auth.ts";
import { deliveryItem, installation } from "../render/app.ts";
import { param } from "./access.ts";
import { accessTokenRoute } from "./access-tokens.ts";

const MAX_PER_PAGE = 100;

/** GitHub App endpoints (JWT only): installation lookup, tokens, webhook deliveries. */
export function appRoutes(state: EmulatorState): Hono<Env> {
  const app = new Hono<Env>();

  app.get("/repos/:owner/:repo/installation", async (c) => {
    const config = requireApp(c);
    const repo = await state.repos.find(param(c, "owner"), param(c, "repo"));
    const inst = repo && state.auth.installationFor(repo.meta.owner, repo.meta.name);
    if (!inst) throw notFound();
    return c.json(installation(new URL(c.req.url).origin, config, inst));
  });

  app.post("/app/installations/:id/access_tokens", (c) => accessTokenRoute(c, state));

  app.get("/app/hook/deliveries", (c) => {
    requireApp(c);
    const perPage = Math.min(
      Math.max(Number(c.req.query("per_page") ?? 30) || 30, 1),
      MAX_PER_PAGE,
    );
    const status = c.req.query("status");
    let items = state.deliveries.all();
    if (status === "success") items = items.filter((d) => d.status_code < 400);
    if (status === "failure") items = items.filter((d) => d.status_code >= 400);
    const cursor = c.req.query("cursor");
    let start = 0;
    if (cursor !== undefined) {
      const id = /^v1_(\d+)$/.exec(cursor)?.[1];
      start = items.findIndex((d) => String(d.id) === id);
      if (start < 0) throw unprocessable("Invalid cursor", { cursor });
    }
    const page = items.slice(start, start + perPage);
    const next = items[start + perPage];
    if (next) {
      const url = new URL(c.req.url);
      url.searchParams.set("per_page", String(perPage));
      url.searchParams.set("cursor", `v1_${next.id}`);
      c.header("link", `<${url.href}>; rel="next"`);
    }
    return c.json(page.map(deliveryItem));
  });

  app.get("/app/hook/deliveries/:id", (c) => {
    requireApp(c);
    const delivery = state.deliveries.get(Number(param(c, "id")));
    if (!delivery) throw notFound();
    return c.json(delivery);
  });

  app.post("/app/hook/deliveries/:id/attempts", (c) => {
    requireApp(c);
    const delivery = state.deliveries.get(Number(param(c, "id")));
    if (!delivery) throw notFound();
    state.deliveries.redeliver(delivery);
    return c.json({}, 202);
  });

  return app;
}
