import type { ApiToken } from "@tablesnap/config";
import { findTarget } from "@tablesnap/config";
import {
  type App,
  HttpError,
  readRawBody,
  requireMediaType,
  requireToken,
  SESSION_COOKIE,
  SESSION_SECONDS,
  safeEqual,
  sessionValue,
  utf8,
} from "@tablesnap/http";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { html } from "hono/html";
import { changesView, runChanges } from "../changes.ts";
import { asset } from "./assets.ts";
import { boardLines, historyOf } from "./board.ts";
import { type BoardDeps, boardEvents } from "./events.ts";
import { CONTENT_SECURITY_POLICY, type Html, layout, loginPage } from "./layout.ts";
import { overviewBody, targetBody } from "./overview.ts";
import { runBody } from "./run-page.ts";

/** The dashboard's paths: HTML pages and their assets, not part of the OpenAPI document. */
export const DASHBOARD_PATHS: readonly string[] = [
  "/",
  "/login",
  "/logout",
  "/targets/:target",
  "/runs/:id",
  "/ui/events",
  "/ui/assets/:name",
];

/** Runs per target on `/`, and on a target's own page. */
export const HISTORY = { overview: 30, target: 100 } as const;

/** Where to go after signing in: a path of this server only, never another site. */
function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])[^\s]*$/.test(next) ? next : "/";
}

function page(c: Context, title: string, who: ApiToken | null, body: Html, status = 200) {
  c.header("content-security-policy", CONTENT_SECURITY_POLICY);
  c.header("x-content-type-options", "nosniff");
  c.header("cache-control", "no-store");
  return c.html(layout(title, who, body), status as 200);
}

/**
 * The dashboard: `/` (every target, live), `/targets/{t}`, `/runs/{id}`, `/login`, `/logout`,
 * `/ui/events` (server-sent events) and `/ui/assets/*`. Every page but the login form needs a
 * token (the session cookie set by `/login`, or a bearer header): a visitor without one is sent
 * to `/login` and sees no data.
 */
export function addDashboardRoutes(app: App, d: BoardDeps): void {
  const tokens = d.config.api.tokens;
  /** The signed-in token, or null (then the page redirects to /login). */
  const who = (c: Context): ApiToken | null => {
    try {
      return requireToken(c, tokens, d.now());
    } catch (e) {
      if (e instanceof HttpError && e.status === 401) return null;
      throw e;
    }
  };
  const toLogin = (c: Context) =>
    c.redirect(`/login?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);

  app.get("/ui/assets/:name", (c) => {
    const file = asset(c.req.param("name"));
    if (file === null) return c.text("not found", 404);
    c.header("content-type", file.type);
    c.header("cache-control", "public, max-age=3600");
    c.header("x-content-type-options", "nosniff");
    return c.body(file.body as Uint8Array<ArrayBuffer>);
  });

  app.get("/login", (c) =>
    page(c, "Sign in", null, loginPage(safeNext(c.req.query("next")), null)),
  );
  app.post("/login", async (c) => {
    requireMediaType(c, ["application/x-www-form-urlencoded"]);
    const form = new URLSearchParams(utf8(await readRawBody(c, 16 * 1024)));
    const next = safeNext(form.get("next") ?? undefined);
    const given = form.get("token") ?? "";
    let found: ApiToken | undefined;
    for (const t of tokens) if (safeEqual(t.token, given) && found === undefined) found = t;
    const requestId = c.get("requestId");
    if (found === undefined) {
      // Who tried is for the operator's log; what was typed never is.
      d.logger.warn({ request_id: requestId }, "dashboard sign-in refused: token not accepted");
      return page(c, "Sign in", null, loginPage(next, "That token is not accepted."), 401);
    }
    d.logger.info({ request_id: requestId, token: found.name }, "dashboard sign-in");
    setCookie(c, SESSION_COOKIE, sessionValue(found, d.now()), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      maxAge: SESSION_SECONDS,
      secure:
        new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https",
    });
    return c.redirect(next, 303);
  });
  app.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });

  app.get("/", async (c) => {
    const token = who(c);
    if (token === null) return toLogin(c);
    const lines = await boardLines(d.config, d.state, d.now());
    const histories = new Map(
      await Promise.all(
        lines.map(
          async (l) => [l.target, await historyOf(d.state, l.target, HISTORY.overview)] as const,
        ),
      ),
    );
    return page(c, "Backups", token, overviewBody(lines, histories, token.role === "operator"));
  });
  app.get("/targets/:target", async (c) => {
    const token = who(c);
    if (token === null) return toLogin(c);
    const target = findTarget(d.config, c.req.param("target"));
    const lines = await boardLines(d.config, d.state, d.now());
    const line = lines.find((l) => l.target === target?.name);
    if (target === undefined || line === undefined) {
      return page(c, "Not found", token, notFoundBody("target", c.req.param("target")), 404);
    }
    const runs = await historyOf(d.state, target.name, HISTORY.target);
    return page(c, target.name, token, targetBody(line, runs, token.role === "operator"));
  });
  app.get("/runs/:id", async (c) => {
    const token = who(c);
    if (token === null) return toLogin(c);
    const id = c.req.param("id");
    const run = /^[0-9a-f-]{36}$/i.test(id) ? await d.state.getRun(id) : null;
    if (run === null) return page(c, "Not found", token, notFoundBody("run", id), 404);
    const changes = changesView(await runChanges(d.state, run));
    return page(c, `Run of ${run.target}`, token, runBody(run, changes));
  });
  app.get("/ui/events", (c) => {
    requireToken(c, tokens, d.now());
    return boardEvents(c, d);
  });
}

function notFoundBody(kind: string, name: string): Html {
  return html`<h1>No such ${kind}</h1><p><code>${name}</code> is not known here. <a href="/">All targets</a></p>`;
}
