import { MemoryBus } from "@tablesnap/bus";
import type { Manifest } from "@tablesnap/core";
import { envConfig, silent, TOKENS } from "@tablesnap/http/testing";
import { MemoryStateStore } from "@tablesnap/state";
import { describe, expect, it } from "vitest";
import { LAST_SUCCESS, SLACK_URL, seedRuns } from "../../test/seed.ts";
import { statusApp } from "../app.ts";

const now = new Date(LAST_SUCCESS.getTime() + 7_200_000);

async function setup() {
  const state = new MemoryStateStore();
  const ids = await seedRuns(state);
  const lines: string[] = [];
  const keep = (context: Record<string, unknown>, message: string) =>
    void lines.push(`${message} ${JSON.stringify(context)}`);
  const app = statusApp({
    config: envConfig(),
    state,
    bus: new MemoryBus(),
    now: () => now,
    logger: { info: keep, warn: keep, error: keep },
  });
  const login = async (token: string, next = "/") => {
    const res = await app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, next }).toString(),
    });
    return { res, cookie: (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "" };
  };
  const page = async (path: string, cookie: string) => {
    const res = await app.request(path, { headers: { cookie } });
    return { res, text: await res.text() };
  };
  return { app, state, ids, login, page, lines };
}

describe("dashboard", () => {
  it("shows an unauthenticated visitor the sign-in form and no data", async () => {
    const { app, ids } = await setup();
    const seen: string[] = [];
    for (const path of ["/", "/targets/default", `/runs/${ids.failed}`, `/runs/${ids.succeeded}`]) {
      const res = await app.request(path);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent(path)}`);
      seen.push(await res.text());
    }
    const events = await app.request("/ui/events");
    expect(events.status).toBe(401);
    seen.push(await events.text());
    const form = await app.request("/login?next=/");
    expect(form.status).toBe(200);
    const text = await form.text();
    expect(text).toContain('name="token"');
    seen.push(text);
    for (const data of [
      "default",
      ids.failed,
      ids.succeeded,
      "pg_dump exited 1",
      "octocat",
      "c0ffee",
    ])
      expect(seen.join("\n")).not.toContain(data);
  });

  it("signs in with a token into a signed, HttpOnly, same-site session, and out again", async () => {
    const { login, page, lines } = await setup();
    const wrong = await login("not-a-token");
    expect(lines.join("\n")).toContain("dashboard sign-in refused");
    expect(lines.join("\n")).not.toContain("not-a-token");
    expect(wrong.res.status).toBe(401);
    expect(wrong.res.headers.get("set-cookie")).toBeNull();
    expect(await wrong.res.text()).toContain("not accepted");
    const { res, cookie } = await login(TOKENS.ops, "/targets/default");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/targets/default");
    expect(res.headers.get("set-cookie")).toMatch(/HttpOnly/i);
    expect(res.headers.get("set-cookie")).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(TOKENS.ops);
    expect(lines.some((l) => /^dashboard sign-in \{.*"token":"ops"/.test(l))).toBe(true);
    expect(lines.join("\n")).not.toContain(TOKENS.ops);
    expect((await page("/", cookie)).res.status).toBe(200);
    // A forged session is no session.
    expect((await page("/", `${cookie.slice(0, -2)}xy`)).res.status).toBe(303);
    // Signing in never sends anyone to another site.
    for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      expect((await login(TOKENS.ops, next)).res.headers.get("location")).toBe("/");
    }
  });

  it("shows every target's state, history, charts' points and a failed run's error", async () => {
    const { login, page, ids } = await setup();
    const { cookie } = await login(TOKENS.ops);
    const { res, text } = await page("/", cookie);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(text).toMatch(/<tr data-target="default">[\s\S]*state-failing/);
    expect(text).toContain("pg_dump exited 1");
    expect(text).toContain("queued: starts after");
    for (const id of [ids.succeeded, ids.failed, ids.pending])
      expect(text).toContain(`/runs/${id}`);
    const island = /<script type="application\/json" id="chart-default">([^<]*)<\/script>/.exec(
      text,
    );
    const chart = JSON.parse(island?.[1] ?? "null") as {
      time: number[];
      durationFailed: unknown[];
    };
    expect(chart.time).toHaveLength(3);
    expect(chart.durationFailed.filter((v) => v !== null)).toHaveLength(1);
    expect(text).toContain('data-backup="default"');
    expect(text).not.toContain(SLACK_URL);
    for (const name of ["constructor", "__proto__", "toString", "nope.js"])
      expect((await page(`/ui/assets/${name}`, "")).res.status).toBe(404);
    for (const lib of ["/ui/assets/uPlot.iife.min.js", "/ui/assets/dashboard.js"]) {
      expect(text).toContain(lib);
      expect((await page(lib, "")).res.status).toBe(200);
    }
  });

  it("gives a viewer token the pages without the backup button", async () => {
    const { login, page } = await setup();
    const { cookie } = await login(TOKENS.viewer);
    const { res, text } = await page("/targets/default", cookie);
    expect(res.status).toBe(200);
    expect(text).toContain("signed in as wall (viewer)");
    expect(text).not.toContain("data-backup=");
  });

  it("shows a run's triggers, tables, commit and error, escaping what users typed", async () => {
    const { state, login, page, ids } = await setup();
    await state.recordTrigger(
      {
        ...{ id: "xss", target: "default", source: "slack", event: "manual", ref: "eve" },
        ...{ actor: "eve", note: "<script>alert(1)</script>", receivedAt: now },
      },
      { debounceSeconds: 0, now },
    );
    const { cookie } = await login(TOKENS.ci);
    const ok = await page(`/runs/${ids.succeeded}`, cookie);
    expect(ok.text).toContain("public.users");
    expect(ok.text).toContain('href="https://github.com/acme/backups/commit/c0ffee"');
    expect(ok.text).toContain("slack manual alice by octocat");
    expect(ok.text).toContain("acme/api push abc1234 by octocat");
    const bad = await page(`/runs/${ids.failed}`, cookie);
    expect(bad.text).toMatch(/role="alert">pg_dump exited 1</);
    const pending = await page(`/runs/${ids.pending}`, cookie);
    expect(pending.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(pending.text).not.toContain("<script>alert(1)");
    expect(pending.text).toContain('data-run-active="true"');
    expect((await page("/runs/nope", cookie)).res.status).toBe(404);
    expect((await page("/targets/nope", cookie)).res.status).toBe(404);
  });

  it("shows what a run's backup changed against the previous one, on its page and in the API", async () => {
    const state = new MemoryStateStore();
    const app = statusApp({ config: envConfig(), state, now: () => now, logger: silent });
    const tableOf = (name: string, rows: number, sha: string) => ({
      ...{ schema: "public", name, kind: "table", path: `public/tables/${name}`, rows, bytes: 1 },
      files: [{ path: `public/tables/${name}/data.sql`, sha256: sha.padEnd(64, "0"), bytes: 1 }],
      sequences: [],
    });
    const backup = async (n: number, tables: ReturnType<typeof tableOf>[]) => {
      const at = new Date(now.getTime() - (10 - n) * 60_000);
      const trigger = {
        id: `cron-${n}`,
        target: "default",
        source: "cron",
        event: "schedule" as const,
      };
      await state.recordTrigger(
        { ...trigger, ref: "nightly", receivedAt: at },
        { debounceSeconds: 0, now: at },
      );
      const run = await state.claimDueRun({ target: "default", timeLimitSeconds: 60, now: at });
      if (run === null) throw new Error("no run to claim");
      await state.startAttempt(run.id, { snapshotId: `s${n}`, backupId: `b${n}` });
      const manifest = { backup_id: `b${n}`, tables } as unknown as Manifest;
      await state.recordManifest(run.id, `s${n}`, manifest);
      await state.finishRun(run.id, "succeeded", { now: at });
      return run.id;
    };
    const first = await backup(1, [tableOf("users", 10, "a"), tableOf("gone", 2, "b")]);
    const second = await backup(2, [tableOf("users", 13, "c"), tableOf("fresh", 1, "d")]);
    const auth = { authorization: `Bearer ${TOKENS.ci}` };
    const api = async (id: string) =>
      (
        (await (await app.request(`/api/v1/runs/${id}`, { headers: auth })).json()) as {
          changes: { summary: string; since_backup_id: string | null };
        }
      ).changes;
    expect(await api(first)).toMatchObject({
      summary: "first backup: 2 tables",
      since_backup_id: null,
    });
    expect(await api(second)).toMatchObject({
      summary: "1 table changed (1 data, 0 schema), 1 added, 1 removed; rows +2",
      since_backup_id: "b1",
    });
    const html = await (await app.request(`/runs/${second}`, { headers: auth })).text();
    expect(html).toContain("1 table changed (1 data, 0 schema), 1 added, 1 removed; rows +2");
    expect(html).toContain("public.users: data changed, rows 10 → 13");
  });

  it("streams every target's live line as server-sent events", async () => {
    const { app, login } = await setup();
    const { cookie } = await login(TOKENS.ci);
    const res = await app.request("/ui/events", { headers: { cookie } });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toMatch(/^event: board\n/);
    const data = JSON.parse(/\ndata: (.*)\n/.exec(text)?.[1] ?? "null") as {
      target: string;
      state: string;
      now: string;
    }[];
    expect(data).toEqual([
      expect.objectContaining({
        target: "default",
        state: "failing",
        now: expect.stringMatching(/^queued/),
      }),
    ]);
  });
});
