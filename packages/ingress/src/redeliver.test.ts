import { createVerify, generateKeyPairSync } from "node:crypto";
import { githubAppOctokit } from "@tablesnap/publish/github";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { type HookDelivery, nextCursor, redeliverFailed } from "./redeliver.ts";

// The GitHub emulator (@tablesnap/github-emulator) is not a dependency of this package and cannot
// be added here, so this is an in-process Hono fake of GitHub's two endpoints, with the
// emulator's paging (newest first, `cursor` in a `link: rel="next"` header).
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const NOW = new Date("2026-03-05T00:00:00Z");

function fakeGitHub(deliveries: HookDelivery[]) {
  const attempts: number[] = [];
  const app = new Hono();
  const authorized = (header: string | undefined) => {
    const [h, b, s] = (header ?? "").replace(/^bearer /i, "").split(".");
    return createVerify("RSA-SHA256")
      .update(`${h}.${b}`)
      .verify(publicKey, s ?? "", "base64url");
  };
  app.get("/app/hook/deliveries", (c) => {
    if (!authorized(c.req.header("authorization")))
      return c.json({ message: "Bad credentials" }, 401);
    const per = Number(c.req.query("per_page") ?? 30);
    const start = Number(c.req.query("cursor") ?? 0);
    const sorted = [...deliveries].sort((a, b) => b.delivered_at.localeCompare(a.delivered_at));
    if (start + per < sorted.length) {
      c.header(
        "link",
        `<http://gh/app/hook/deliveries?per_page=${per}&cursor=${start + per}>; rel="next"`,
      );
    }
    return c.json(sorted.slice(start, start + per));
  });
  app.post("/app/hook/deliveries/:id/attempts", (c) => {
    if (!authorized(c.req.header("authorization")))
      return c.json({ message: "Bad credentials" }, 401);
    const id = Number(c.req.param("id"));
    const original = deliveries.find((d) => d.id === id);
    if (!original) return c.json({ message: "Not Found" }, 404);
    attempts.push(id);
    return c.json({}, 202);
  });
  // The Octokit every service uses for the app (@tablesnap/publish/github), on this fake.
  const client = githubAppOctokit({
    apiUrl: "http://gh",
    appId: "42",
    privateKey: pem,
    retries: 0,
    fetch: (input, init) =>
      Promise.resolve(app.request(input instanceof Request ? input : String(input), init)),
  });
  return { client, attempts };
}

const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString();
const d = (id: number, guid: string, status: number, hoursAgo: number): HookDelivery => ({
  id,
  guid,
  status_code: status,
  delivered_at: at(hoursAgo),
});

describe("redeliverFailed", () => {
  it("redelivers failed deliveries of the last 3 days across pages, once each", async () => {
    const list: HookDelivery[] = [d(1, "ok", 200, 1), d(2, "down", 503, 2), d(3, "old", 503, 80)];
    for (let i = 0; i < 150; i++) list.push(d(100 + i, `fine-${i}`, 202, 3 + i / 100));
    list.push(d(4, "late", 500, 10)); // on the second page
    list.push(d(5, "healed", 503, 20), d(6, "healed", 200, 19)); // a redelivery succeeded
    const gh = fakeGitHub(list);
    const since = new Date(NOW.getTime() - 72 * 3_600_000);
    const done = new Set<number>();
    const first = await redeliverFailed({ client: gh.client, since, redelivered: done });
    expect([...first.redelivered].sort()).toEqual([2, 4]);
    expect(gh.attempts.sort()).toEqual([2, 4]);
    const again = await redeliverFailed({ client: gh.client, since, redelivered: done });
    expect(again.redelivered).toEqual([]);
    expect(gh.attempts).toHaveLength(2);
  });

  it("tries again when the redelivery failed too (a new delivery of the same guid)", async () => {
    const list = [d(7, "g", 503, 5)];
    const gh = fakeGitHub(list);
    const done = new Set<number>();
    const since = new Date(NOW.getTime() - 72 * 3_600_000);
    await redeliverFailed({ client: gh.client, since, redelivered: done });
    list.push({ ...d(8, "g", 503, 4), redelivery: true });
    const r = await redeliverFailed({ client: gh.client, since, redelivered: done });
    expect(r.redelivered).toEqual([8]);
  });

  it("reads the next cursor from a link header", () => {
    expect(
      nextCursor('<https://api.github.com/x?cursor=v1%3A9>; rel="next", <a>; rel="prev"'),
    ).toBe("v1:9");
    expect(nextCursor(undefined)).toBeUndefined();
  });
});
