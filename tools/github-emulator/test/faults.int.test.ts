import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers.ts";

const owner = "acme";
const repo = "faulty";

describe("faults, counts and rate-limit headers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.octokit.rest.repos.createInOrg({ org: owner, name: repo, auto_init: true });
  });
  afterEach(() => h.gh.faults.clear());
  afterAll(() => h.close());

  const get = () => h.octokit.rest.repos.get({ owner, repo });
  const blob = () => h.octokit.rest.git.createBlob({ owner, repo, content: "x" });

  it("answers the next N requests with GitHub's secondary rate limit (403, retry-after)", async () => {
    h.gh.faults.set({ secondaryRateLimit: 2, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i++) {
      const error = await get().catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 403, response: { headers: { "retry-after": "7" } } });
      const data = (error as { response: { data: { message: string; documentation_url: string } } })
        .response.data;
      expect(data.message).toMatch(
        /^You have exceeded a secondary rate limit\. .*include the request ID \S+\.$/,
      );
      expect(data.documentation_url).toContain("#about-secondary-rate-limits");
    }
    await expect(get()).resolves.toMatchObject({ status: 200 });
  });

  it("answers the next N requests with 502", async () => {
    h.gh.faults.set({ badGateway: 1 });
    await expect(get()).rejects.toMatchObject({ status: 502 });
    await expect(get()).resolves.toMatchObject({ status: 200 });
  });

  it("can fault only writes, letting reads through", async () => {
    h.gh.faults.set({ badGateway: 1, writesOnly: true });
    await expect(get()).resolves.toMatchObject({ status: 200 });
    await expect(blob()).rejects.toMatchObject({ status: 502 });
    await expect(blob()).resolves.toMatchObject({ status: 201 });
  });

  it("delays answers", async () => {
    h.gh.faults.set({ delayMs: 150 });
    const started = performance.now();
    await get();
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("counts requests by method and route, writes apart, faulted ones included; resets", async () => {
    h.gh.resetCounts();
    h.gh.faults.set({ badGateway: 1 });
    await expect(get()).rejects.toMatchObject({ status: 502 });
    await get();
    await blob();
    await blob();
    await h.octokit.rest.git.getRef({ owner, repo, ref: "heads/main" });
    expect(h.gh.counts()).toEqual({
      total: 5,
      writes: 2,
      byMethod: { GET: 3, POST: 2 },
      byRoute: {
        "GET /repos/{owner}/{repo}": 2,
        "POST /repos/{owner}/{repo}/git/blobs": 2,
        "GET /repos/{owner}/{repo}/git/ref/{ref}": 1,
      },
    });
    h.gh.resetCounts();
    expect(h.gh.counts()).toEqual({ total: 0, writes: 0, byMethod: {}, byRoute: {} });
  });

  it("sends x-ratelimit-* headers that count down", async () => {
    const a = await get();
    const b = await get();
    expect(a.headers["x-ratelimit-limit"]).toBe("5000");
    expect(Number(b.headers["x-ratelimit-remaining"])).toBe(
      Number(a.headers["x-ratelimit-remaining"]) - 1,
    );
    expect(Number(b.headers["x-ratelimit-used"])).toBe(Number(a.headers["x-ratelimit-used"]) + 1);
    expect(Number(b.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
  });

  it("offers the same through /_emulator control endpoints, which are neither counted nor faulted", async () => {
    const control = (path: string, method = "GET", body?: unknown) =>
      fetch(
        `${h.gh.url}/_emulator${path}`,
        body === undefined ? { method } : { method, body: JSON.stringify(body) },
      );
    expect(await (await control("/health")).json()).toEqual({ ok: true });
    await control("/counts", "DELETE");
    const set = await control("/faults", "POST", { badGateway: 1, secondaryRateLimit: 1 });
    expect(await set.json()).toMatchObject({ badGateway: 1, secondaryRateLimit: 1 });
    await expect(get()).rejects.toMatchObject({ status: 403 });
    await expect(get()).rejects.toMatchObject({ status: 502 });
    await control("/faults", "POST", { badGateway: 5 });
    await control("/faults", "DELETE");
    await expect(get()).resolves.toMatchObject({ status: 200 });
    expect(await (await control("/counts")).json()).toMatchObject({ total: 3, writes: 0 });
    expect(
      (await control("/tokens", "POST", { token: "t-http", repositories: [`${owner}/${repo}`] }))
        .status,
    ).toBe(201);
    await expect(h.octokitWith("t-http").rest.repos.get({ owner, repo })).resolves.toMatchObject({
      status: 200,
    });
    await control("/tokens/t-http", "DELETE");
    await expect(h.octokitWith("t-http").rest.repos.get({ owner, repo })).rejects.toMatchObject({
      status: 401,
    });
    const seeded = await control("/deliveries", "POST", { event: "push", statusCode: 500 });
    expect(seeded.status).toBe(201);
    const listed = (await (await control("/deliveries")).json()) as { event: string }[];
    expect(listed).toMatchObject([{ event: "push", status_code: 500, redelivery: false }]);
    expect((await control("/app", "POST", { id: 5, publicKey: "not a key" })).status).toBe(400);
    expect((await control("/app", "POST", { id: 5 })).status).toBe(201);
    expect((await control("/installations", "POST", { id: 50, account: owner })).status).toBe(201);
  });
});

describe("primary rate limit", () => {
  it("answers 403 with x-ratelimit-remaining 0 once the hourly limit is used", async () => {
    const h = await startHarness({ rateLimit: 2 });
    try {
      await expect(h.octokit.rest.repos.get({ owner, repo: "x" })).rejects.toMatchObject({
        status: 404,
      });
      await expect(h.octokit.rest.repos.get({ owner, repo: "x" })).rejects.toMatchObject({
        status: 404,
      });
      await expect(h.octokit.rest.repos.get({ owner, repo: "x" })).rejects.toMatchObject({
        status: 403,
        response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-limit": "2" } },
      });
      // Another credential has its own budget.
      h.gh.addToken({ token: "other" });
      await expect(
        h.octokitWith("other").rest.repos.get({ owner, repo: "x" }),
      ).rejects.toMatchObject({ status: 404 });
    } finally {
      await h.close();
    }
  });
});
