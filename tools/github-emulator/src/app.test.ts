import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEmulator } from "./emulator.ts";

/** No repository is touched here: the data dir need not exist. */
const make = () =>
  createEmulator({
    dataDir: join("/nonexistent", "gh-emulator"),
    tokens: [{ token: "t" }],
    rateLimit: 100,
  });
const auth = { authorization: "token t" };

describe("the emulator's HTTP edge (app.request)", () => {
  it("answers 401 Requires authentication / Bad credentials with GitHub's error body", async () => {
    const { app } = make();
    const none = await app.request("/repos/a/b");
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      message: "Requires authentication",
      documentation_url: "https://docs.github.com/rest",
      status: "401",
    });
    const bad = await app.request("/repos/a/b", { headers: { authorization: "Bearer nope" } });
    expect((await bad.json()) as object).toMatchObject({ message: "Bad credentials" });
  });

  it("answers 404 for an unknown repository, with request id and rate-limit headers", async () => {
    const { app } = make();
    const res = await app.request("/repos/a/b", { headers: auth });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-github-request-id")).toMatch(/^[0-9A-F]{4}:/);
    expect(res.headers.get("x-ratelimit-limit")).toBe("100");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("99");
    expect((await res.json()) as object).toMatchObject({
      message: "Not Found",
      documentation_url: "https://docs.github.com/rest/repos/repos#get-a-repository",
    });
  });

  it("meets faults set through the control API and counts by route", async () => {
    const { app, control } = make();
    control.faults.set({ secondaryRateLimit: 1, retryAfterSeconds: 3, badGateway: 1 });
    const limited = await app.request("/repos/a/b", { method: "PATCH", headers: auth });
    expect(limited.status).toBe(403);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(
      (await app.request("/repos/a/b/git/refs/heads/x", { method: "PATCH", headers: auth })).status,
    ).toBe(502);
    expect((await app.request("/nowhere", { headers: auth })).status).toBe(404);
    expect(control.counts()).toEqual({
      total: 3,
      writes: 2,
      byMethod: { PATCH: 2, GET: 1 },
      byRoute: {
        "PATCH (unmatched)": 1,
        "PATCH /repos/{owner}/{repo}/git/refs/{ref}": 1,
        "GET (unmatched)": 1,
      },
    });
  });

  it("answers 400 Problems parsing JSON for a body that is not a JSON object", async () => {
    const { app } = make();
    const res = await app.request("/user/repos", { method: "POST", headers: auth, body: "{nope" });
    expect(res.status).toBe(400);
    expect((await res.json()) as object).toMatchObject({ message: "Problems parsing JSON" });
  });

  it("serves control endpoints without credentials, counting or faults", async () => {
    const { app, control } = make();
    control.faults.set({ badGateway: 5 });
    expect((await app.request("/_emulator/health")).status).toBe(200);
    const res = await app.request("/_emulator/faults", { method: "DELETE" });
    expect((await res.json()) as object).toMatchObject({ badGateway: 0 });
    expect(control.counts().total).toBe(0);
  });
});
