import { SESSION_COOKIE, sessionValue } from "@tablesnap/http";
import { describe, expect, it } from "vitest";
import { busWithInbox, envConfig, NOW, silent, TOKENS } from "../test/fixtures.ts";
import { ingressApp } from "./app.ts";

async function setup() {
  const { bus, inbox } = await busWithInbox();
  const app = ingressApp({ config: envConfig(), bus, now: () => NOW, logger: silent });
  return { app, bus, inbox };
}

const post = (
  path: string,
  body: string | undefined,
  headers: Record<string, string> = { authorization: `Bearer ${TOKENS.ci}` },
) =>
  new Request(`http://ingress${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body }),
  });

const path = "/api/v1/targets/default/backups";
/** A session value with its signature's last character changed. */
const forged = (v: string) => v.slice(0, -1) + (v.endsWith("A") ? "B" : "A");

describe("POST /api/v1/targets/{target}/backups", () => {
  it("queues a manual trigger and answers 202 with its id", async () => {
    const { app, inbox } = await setup();
    const res = await app.request(post(path, JSON.stringify({ note: "pre-deploy", ref: "v1.2" })));
    expect(res.status).toBe(202);
    const { trigger_id, status_url } = (await res.json()) as {
      trigger_id: string;
      status_url: string;
    };
    expect(status_url).toBe(`/api/v1/triggers/${encodeURIComponent(trigger_id)}`);
    await expect.poll(() => inbox.length).toBe(1);
    expect(inbox[0]).toMatchObject({
      id: trigger_id,
      target: "default",
      source: "api",
      event: "manual",
      ref: "v1.2",
      actor: "ci",
      note: "pre-deploy",
    });
  });

  it("uses the Idempotency-Key: the same key twice gives one message", async () => {
    const { app, inbox } = await setup();
    const headers = { authorization: `Bearer ${TOKENS.ops}`, "idempotency-key": "k-1" };
    const a = await app.request(post(path, undefined, headers));
    const b = await app.request(post(path, undefined, headers));
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(await b.json()).toMatchObject({ trigger_id: "api:ops:k-1", duplicate: true });
    await expect.poll(() => inbox.length).toBe(1);
    expect(inbox[0]?.ref).toBe("ops");
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer nope" }],
    ["another scheme", { authorization: `Basic ${TOKENS.ci}` }],
  ])("refuses %s with 401", async (_n, headers) => {
    const { app, inbox } = await setup();
    const res = await app.request(post(path, "{}", headers));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect(inbox).toHaveLength(0);
  });

  it("refuses a viewer token with 403, by header or by session, and queues nothing", async () => {
    const { app, inbox } = await setup();
    const viewer = envConfig().api.tokens.find((t) => t.role === "viewer");
    if (viewer === undefined) throw new Error("the fixture has no viewer token");
    const cookie = `${SESSION_COOKIE}=${sessionValue(viewer, NOW)}`;
    for (const headers of [
      { authorization: `Bearer ${TOKENS.viewer}` },
      { cookie, origin: "http://ingress", host: "ingress" },
    ]) {
      const res = await app.request(post(path, "{}", headers));
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("viewer_token");
    }
    expect(inbox).toHaveLength(0);
  });

  it("takes an operator's session from the dashboard's origin, never from another site", async () => {
    const { app, inbox } = await setup();
    const ops = envConfig().api.tokens.find((t) => t.name === "ops");
    if (ops === undefined) throw new Error("the fixture has no ops token");
    const cookie = `${SESSION_COOKIE}=${sessionValue(ops, NOW)}`;
    const cases: [Record<string, string>, number][] = [
      [{ cookie, origin: "https://evil.example", host: "ingress" }, 403],
      [{ cookie, host: "ingress" }, 403],
      [{ cookie, origin: "https://evil.example", host: "ingress", "x-forwarded-host": "x" }, 403],
      [{ cookie: `${SESSION_COOKIE}=${forged(sessionValue(ops, NOW))}` }, 401],
      [
        {
          cookie: `${SESSION_COOKIE}=${sessionValue(ops, new Date(0))}`,
          origin: "http://ingress",
          host: "ingress",
        },
        401,
      ],
    ];
    for (const [headers, status] of cases) {
      expect((await app.request(post(path, "{}", headers))).status).toBe(status);
    }
    expect(inbox).toHaveLength(0);
    const ok = await app.request(
      post(path, "{}", { cookie, origin: "http://ingress", host: "ingress" }),
    );
    expect(ok.status).toBe(202);
    await expect.poll(() => inbox.length).toBe(1);
    expect(inbox[0]).toMatchObject({ actor: "ops" });
    // Behind a proxy that rewrote Host, the public host comes as X-Forwarded-Host.
    const proxied = { cookie, origin: "https://backups.acme.example", host: "10.0.0.7:8080" };
    const viaProxy = { ...proxied, "x-forwarded-host": "backups.acme.example" };
    expect((await app.request(post(path, "{}", proxied))).status).toBe(403);
    expect((await app.request(post(path, "{}", viaProxy))).status).toBe(202);
  });

  it("answers 404, 400, 415, 413 and 503 with error bodies", async () => {
    const { app, bus } = await setup();
    const codes: [Request, number][] = [
      [post("/api/v1/targets/nope/backups", "{}"), 404],
      [post(path, "{not json"), 400],
      [post(path, JSON.stringify({ note: 5 })), 400],
      [post(path, JSON.stringify({ extra: true })), 400],
      [
        post(path, "note=x", {
          authorization: `Bearer ${TOKENS.ci}`,
          "content-type": "application/x-www-form-urlencoded",
        }),
        415,
      ],
      [
        post(path, "{}", { authorization: `Bearer ${TOKENS.ci}`, "content-length": "30000000" }),
        413,
      ],
    ];
    for (const [req, status] of codes) {
      const res = await app.request(req);
      expect(res.status).toBe(status);
      const body = (await res.json()) as {
        error: { code: string; message: string; request_id: string };
      };
      expect(body.error.message.length).toBeGreaterThan(5);
      expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
    }
    bus.setAvailable(false);
    const down = await app.request(post(path, "{}"));
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
  });
});
