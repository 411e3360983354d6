import { TablesnapError } from "@tablesnap/core";
import { describe, expect, it } from "vitest";
import { newApp } from "./app.ts";
import type { Logger } from "./types.ts";

function capture(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const push = (c: Record<string, unknown>, msg: string) => lines.push({ ...c, msg });
  return { lines, info: push, warn: push, error: push };
}

describe("newApp", () => {
  const logger = capture();
  const app = newApp({ logger });
  app.get("/things/:id", (c) => c.json({ id: c.req.param("id") }));
  app.get("/boom", () => {
    throw new Error("postgres://user:hunter2@db failed");
  });
  app.get("/bus", () => {
    throw new TablesnapError("bus_unavailable", "nats down at nats://secret@host");
  });

  it("echoes a sane x-request-id and makes one otherwise", async () => {
    const given = await app.request("/things/1", { headers: { "x-request-id": "abc-123" } });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const bad = await app.request("/things/1", { headers: { "x-request-id": "x".repeat(300) } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers 404 and 405 with error bodies", async () => {
    const missing = await app.request("/nothing");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const wrong = await app.request("/things/1", { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    const body = (await wrong.json()) as { error: { request_id: string } };
    expect(body.error.request_id).toBe(wrong.headers.get("x-request-id"));
  });

  it("maps codes to statuses and hides unknown error messages", async () => {
    const boom = await app.request("/boom");
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(text).not.toContain("hunter2");
    expect(text).toContain("report request id");
    const bus = await app.request("/bus");
    expect(bus.status).toBe(503);
    expect(bus.headers.get("retry-after")).toBe("5");
    expect(await bus.text()).not.toContain("secret@");
  });

  it("logs one JSON-able line per request without query strings or headers", async () => {
    await app.request("/things/2?token=qsecret", { headers: { authorization: "Bearer hsecret" } });
    const line = logger.lines.at(-1) ?? {};
    expect(line).toMatchObject({ method: "GET", path: "/things/2", status: 200 });
    expect(JSON.stringify(logger.lines)).not.toMatch(/qsecret|hsecret|hunter2|secret@/);
  });
});
