import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropBucket, type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, createSource, deleteStreams, freePort, until } from "./e2e/harness.ts";
import { type CliGitHub, startCliGitHub } from "./github.ts";
import { NATS_URL, newestEndedRun, type Serving, s3Env, startServe } from "./serve-rig.ts";

/** Debian's Chromium (`apt-get install chromium`; scripts/services.sh installs it). */
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** As root, and with no network but localhost: no sandbox, no background connections. */
const CHROMIUM_ARGS = [
  ...["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
  ...["--disable-background-networking", "--disable-component-update", "--disable-sync"],
];
const VIEWER_TOKEN = "dashboard-viewer-token";
/** With TABLESNAP_SCREENSHOTS=DIR (`pnpm docs:screenshots`), each page is saved there. */
const SHOTS = process.env["TABLESNAP_SCREENSHOTS"];

const auth = { authorization: `Bearer ${API_TOKEN}` };

describe("the dashboard in a real browser, against serve with real runs", () => {
  let source: ScratchDatabase;
  let state: ScratchDatabase;
  let h: CliGitHub;
  let s3: S3TestServer;
  let serve: Serving;
  let browser: Browser;
  let dir: string;
  const prefix = `dash_${randomBytes(4).toString("hex")}`;
  const bucket = `dash-${randomBytes(6).toString("hex")}`;

  const queue = async (target: string) => {
    const res = await fetch(`${serve.base}/api/v1/targets/${target}/backups`, {
      method: "POST",
      headers: auth,
    });
    expect(res.status, serve.logs()).toBe(202);
  };
  const shot = async (page: Page, name: string) => {
    if (SHOTS === undefined) return;
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const points = (page: Page, target: string) =>
    page.evaluate(
      (t) =>
        (
          globalThis as unknown as { tablesnapCharts: Record<string, { data: unknown[][] }[]> }
        ).tablesnapCharts[t]?.map((c) => c.data[0]?.length) ?? [],
      target,
    );

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
    }
    dir = await mkdtemp(join(tmpdir(), "tsnap-dash-"));
    source = await createSource("tsnap_dash_src");
    state = await createScratchDatabase("tsnap_dash_state");
    h = await startCliGitHub();
    s3 = await startS3Server();
    const config = {
      targets: {
        app: { database_url_env: "APP_URL", repository: await h.createRepo("dash-app") },
        broken: { database_url_env: "BROKEN_URL", repository: await h.createRepo("dash-broken") },
      },
    };
    await writeFile(join(dir, "targets.json"), JSON.stringify(config));
    serve = await startServe({
      TABLESNAP_CONFIG: join(dir, "targets.json"),
      APP_URL: source.url,
      BROKEN_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nothing`,
      TABLESNAP_STATE_URL: state.url,
      TABLESNAP_NATS_PREFIX: prefix,
      TABLESNAP_VIEWER_TOKEN: `wall:${VIEWER_TOKEN}`,
      ...s3Env(s3, bucket),
      GITHUB_API_URL: h.gh.url,
    });
    // Real runs: two good backups of `app` (the second found nothing changed), one failed run
    // of `broken`.
    for (const [i, expected] of ["succeeded", "unchanged"].entries()) {
      await queue("app");
      await until(
        `app's run to end ${expected}`,
        async () => {
          const runs = await runsOf("app");
          return runs.length === i + 1 && runs[0]?.status === expected ? runs[0] : undefined;
        },
        90_000,
        serve.logs,
      );
    }
    await queue("broken");
    expect((await newestEndedRun(serve, 90_000, "broken")).status).toBe("failed");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 240_000);

  const runsOf = async (target: string) => {
    const res = await fetch(`${serve.base}/api/v1/targets/${target}/runs`, { headers: auth });
    return ((await res.json()) as { runs: { id: string; status: string }[] }).runs;
  };

  afterAll(async () => {
    await browser?.close();
    if (serve?.child.exitCode === null) {
      serve.child.kill("SIGTERM");
      await serve.exited;
    }
    await deleteStreams(NATS_URL, prefix).catch(() => {});
    await Promise.allSettled([source?.drop(), state?.drop()]);
    if (s3) {
      await dropBucket(s3, bucket);
      await s3.close();
    }
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("sends a visitor without a token to the sign-in form, showing no data", async () => {
    const page = await browser.newPage();
    await page.goto(`${serve.base}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    const text = await page.content();
    for (const data of ["app", "broken", "succeeded", "failed"]) expect(text).not.toContain(data);
    await page.fill('input[name="token"]', "wrong-token");
    await page.click('button[type="submit"]');
    await expect.poll(() => page.textContent(".problem")).toContain("not accepted");
    await shot(page, "login");
    await page.close();
  });

  it("lists the targets, one chart point per run, and the failed run's error", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${serve.base}/login?next=/`);
    await page.fill('input[name="token"]', VIEWER_TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${serve.base}/`);
    await expect
      .poll(() => page.textContent('tr[data-target="app"] [data-live="state"]'))
      .toBe("fresh");
    expect(await page.textContent('tr[data-target="broken"] [data-live="state"]')).toBe("failing");
    const failure = await page.textContent('tr[data-target="broken"] [data-live="failure"]');
    expect(failure).toMatch(/127\.0\.0\.1/);
    await expect.poll(() => points(page, "app")).toEqual([2, 2, 2]);
    expect(await points(page, "broken")).toEqual([1, 1, 1]);
    expect(await page.locator("form[data-backup]").count()).toBe(0); // a viewer cannot queue
    await shot(page, "overview");

    await page.click("#history-broken table.runs tbody tr a");
    await page.waitForURL(/\/runs\//);
    expect(await page.textContent('[role="alert"]')).toBe(failure);
    await shot(page, "run-failed");
    await page.close();
  });

  it("queues a backup with the button, and the run appears and ends without a reload", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${serve.base}/login?next=/targets/app`);
    await page.fill('input[name="token"]', API_TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${serve.base}/targets/app`);
    await expect.poll(() => points(page, "app")).toEqual([2, 2, 2]);
    const loaded = await page.evaluate(() => performance.timeOrigin);
    await source.sql.unsafe(
      "INSERT INTO users SELECT g, 'new ' || g FROM generate_series(501, 505) g",
    );
    await page.fill('form[data-backup="app"] input[name="note"]', "from the dashboard");
    await page.click('form[data-backup="app"] button');
    await expect.poll(() => page.textContent(".backup-result")).toMatch(/^queued/);
    await expect
      .poll(() => page.locator("#history-app table.runs tbody tr").count(), { timeout: 60_000 })
      .toBe(3);
    await expect
      .poll(() => page.textContent("#history-app table.runs tbody tr:first-child .badge"), {
        timeout: 60_000,
      })
      .toBe("succeeded");
    expect(await page.textContent("#history-app table.runs tbody tr:first-child")).toContain(
      "from the dashboard",
    );
    await expect.poll(() => points(page, "app")).toEqual([3, 3, 3]);
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loaded); // never reloaded
    await shot(page, "target");
    const [newest] = await runsOf("app");
    await page.goto(`${serve.base}/runs/${newest?.id}`);
    expect(await page.locator("table.tables tbody tr").count()).toBe(3);
    expect(await page.textContent("[data-changes]")).toMatch(
      /^1 table changed \(1 data, 0 schema\); rows \+5 since backup /,
    );
    expect(await page.textContent("dl.run .badge")).toBe("succeeded");
    expect(await page.textContent("ul.triggers")).toContain(
      "api manual token-1 by token-1 — from the dashboard",
    );
    await shot(page, "run");
    await page.close();
  });
});
