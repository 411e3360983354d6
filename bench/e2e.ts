/**
 * `pnpm bench:e2e [--rounds N] [--tables N] [--rows N] [--runtime node|bun|deno] [--smoke]`: the
 * whole system, webhook to commit. `--runtime` runs `serve` under Bun or Deno (same source);
 * `--smoke` (CI's runtime smoke) does not judge the time, and checks that SIGTERM stops `serve`
 * with exit code 0 within 20 s.
 * `tablesnap serve` runs as a child process (as services/cli/test/serve.int.test.ts does) with
 * TABLESNAP_DEBOUNCE=0 against the GitHub emulator and an S3 server (s3rver, or the one named by
 * S3_ENDPOINT), both in this process, a fresh NATS prefix, a scratch state database and a scratch
 * source database of 20 tables of 3,000 rows. Each round (after one warm-up) changes a few rows,
 * sends a signed push webhook (new delivery id and after-sha) and polls, every 25 ms, the status
 * API's run list and the emulator's `main` ref, until the run is `succeeded` and the branch head
 * moved to the run's commit: that wall time is the figure (target: median under 3 s). Phases come from the run's
 * created_at/started_at/finished_at and the first poll that saw each status. Writes
 * .bench/e2e-<time>.json and removes the process, streams, databases, bucket and folders.
 *
 * bench/ has no node_modules: the emulator and the S3 test server are imported by path (they
 * resolve their own dependencies), typed by the few members used below.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { freePort } from "../test/src/net.ts";
import { CLI, ROOT } from "./lib/commands.ts";
import { databaseUrl, dropDatabase, psql } from "./lib/db.ts";
import { log, round1 } from "./lib/format.ts";
import { median } from "./lib/measure.ts";
import { natsRequests, streamNames } from "./lib/nats.ts";
import { hostInfo, intOption, writeReport } from "./lib/report.ts";

const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
const SECRET = "bench-e2e-webhook-secret";
const API_TOKEN = "bench-e2e-api-token";
const GH_TOKEN = "ghp_benchE2eTokenWithAccessToEverything0";
const TARGET_MEDIAN_MS = 3000;
const POLL_MS = 25;
const ROUND_TIMEOUT_MS = 120_000;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    tables: { type: "string", default: "20" },
    rows: { type: "string", default: "3000" },
    runtime: { type: "string", default: "node" },
    smoke: { type: "boolean", default: false },
    /** Run `serve` from this entry point, e.g. the bundle services/cli/dist/main.js. */
    cli: { type: "string", default: CLI },
  },
});
const RUNTIMES: Record<string, (cli: string) => [string, ...string[]]> = {
  node: (cli) => [process.execPath, cli],
  bun: (cli) => ["bun", cli],
  deno: (cli) => ["deno", "run", "--allow-all", cli],
};
const runtimeOf = RUNTIMES[values.runtime];
if (!runtimeOf) throw new Error(`--runtime must be node, bun or deno (got ${values.runtime})`);
const runtime: (cli: string) => [string, ...string[]] = runtimeOf;
const rounds = intOption("rounds", values.rounds, 1, 100);
const tableCount = intOption("tables", values.tables, 1, 500);
const rowsPerTable = intOption("rows", values.rows, 0, 1_000_000);

interface Emulator {
  readonly url: string;
  close(): Promise<void>;
}
interface EmulatorModule {
  startEmulator(o: { dataDir: string; tokens: { token: string }[] }): Promise<Emulator>;
}
interface S3TestServer {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  readonly local: boolean;
  close(): Promise<void>;
}
interface S3Module {
  startS3Server(): Promise<S3TestServer>;
  dropBucket(s: S3TestServer, bucket: string): Promise<void>;
}
interface RunView {
  readonly id: string;
  readonly status: string;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly error: unknown;
  readonly commit: { sha: string } | null;
}

interface Round {
  readonly round: number;
  readonly warmup: boolean;
  readonly wall_ms: number;
  readonly run_id: string;
  readonly commit: string;
  /** Server timestamps, ms after the webhook was sent. */
  readonly created_ms: number;
  readonly started_ms: number | null;
  readonly finished_ms: number | null;
  /** ms after the webhook when a poll first saw each status, and the new branch head. */
  readonly seen_ms: Record<string, number>;
  readonly webhook_ms: number;
}

const importPath = async <T>(...parts: string[]): Promise<T> =>
  (await import(pathToFileURL(join(ROOT, ...parts)).href)) as T;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createSourceDb(db: string): Promise<void> {
  await psql("postgres", `create database "${db}"`);
  const sql = Array.from({ length: tableCount }, (_, i) => {
    const t = `t${String(i + 1).padStart(2, "0")}`;
    return [
      `create table ${t} (id int primary key, name text not null, amount numeric(12,2), ` +
        `created timestamptz not null default now(), tags jsonb)`,
      `insert into ${t} select g, 'row ' || g || ' of ${t}', g * 1.25, ` +
        `timestamptz '2026-01-01' + g * interval '1 minute', jsonb_build_object('g', g, 'even', g % 2 = 0) ` +
        `from generate_series(1, ${rowsPerTable}) g`,
    ].join(";\n");
  }).join(";\n");
  await psql(db, `${sql};\nanalyze`);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const host = hostInfo();
  log(`load average at start: ${host.loadavg_start.map((l) => l.toFixed(2)).join(" ")}`);
  const { startEmulator } = await importPath<EmulatorModule>(
    "tools",
    "github-emulator",
    "src",
    "index.ts",
  );
  const s3mod = await importPath<S3Module>("packages", "artifacts", "test", "s3rver.ts");
  const id = randomBytes(4).toString("hex");
  const prefix = `bench_e2e_${id}`;
  const sourceDb = `tsnap_bench_e2e_src_${id}`;
  const stateDb = `tsnap_bench_e2e_state_${id}`;
  const bucket = `bench-e2e-${id}`;
  const dir = await mkdtemp(join(tmpdir(), "tsnap-bench-e2e-"));
  const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
  let child: ChildProcess | undefined;
  let logs = "";
  try {
    log(`creating ${sourceDb}: ${tableCount} tables of ${rowsPerTable} rows`);
    cleanups.push({ name: `database ${sourceDb}`, run: () => dropDatabase(sourceDb) });
    await createSourceDb(sourceDb);
    cleanups.push({ name: `database ${stateDb}`, run: () => dropDatabase(stateDb) });
    await psql("postgres", `create database "${stateDb}"`);
    const dbBytes = Number(await psql(sourceDb, "select pg_database_size(current_database())"));

    const gh = await startEmulator({
      dataDir: join(dir, "github"),
      tokens: [{ token: GH_TOKEN }],
    });
    cleanups.push({ name: "GitHub emulator", run: () => gh.close() });
    const created = await fetch(`${gh.url}/orgs/acme/repos`, {
      method: "POST",
      headers: { authorization: `token ${GH_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "backups" }),
    });
    if (created.status !== 201) throw new Error(`cannot create acme/backups: ${created.status}`);
    const s3 = await s3mod.startS3Server();
    cleanups.push({ name: "S3 server", run: () => s3.close() });
    cleanups.push({ name: `bucket ${bucket}`, run: () => s3mod.dropBucket(s3, bucket) });
    cleanups.push({
      name: `streams ${prefix}_*`,
      run: async () => {
        const names = await streamNames(NATS_URL, `${prefix}_`);
        await natsRequests(
          NATS_URL,
          names.map((s) => `$JS.API.STREAM.DELETE.${s}`),
        );
        return names;
      },
    });

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const [bin, ...args] = runtime(values.cli);
    child = spawn(bin, [...args, "serve"], {
      cwd: ROOT,
      env: {
        ...process.env,
        TABLESNAP_DATABASE_URL: databaseUrl(sourceDb),
        TABLESNAP_STATE_URL: databaseUrl(stateDb),
        NATS_URL,
        TABLESNAP_NATS_PREFIX: prefix,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY: s3.accessKey,
        S3_SECRET_KEY: s3.secretKey,
        S3_REGION: s3.region,
        S3_BUCKET: bucket,
        TABLESNAP_GITHUB_REPO: "acme/backups",
        GITHUB_API_URL: gh.url,
        GITHUB_TOKEN: GH_TOKEN,
        GITHUB_WEBHOOK_SECRET: SECRET,
        TABLESNAP_API_TOKEN: API_TOKEN,
        TABLESNAP_DEBOUNCE: "0",
        PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const c = child;
    const exited = new Promise<number | null>((resolve) => c.on("exit", (code) => resolve(code)));
    cleanups.push({
      name: `tablesnap serve (pid ${c.pid})`,
      run: async () => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        c.kill("SIGTERM");
        const code = await Promise.race([exited, sleep(20_000).then(() => "timeout" as const)]);
        if (code === "timeout") {
          c.kill("SIGKILL");
          await exited;
        }
      },
    });
    for (const s of [c.stdout, c.stderr]) {
      s?.setEncoding("utf8").on("data", (d: string) => {
        logs = (logs + d).slice(-200_000);
      });
    }
    const upDeadline = Date.now() + 30_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`serve exited ${c.exitCode}`);
      const ok = await fetch(`${base}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > upDeadline) throw new Error("serve did not come up within 30 s");
      await sleep(100);
    }
    log(
      `tablesnap serve on ${base} (pid ${c.pid}), emulator ${gh.url}, S3 ${s3.endpoint}` +
        `${s3.local ? " (s3rver)" : ""}, NATS ${NATS_URL} prefix ${prefix}`,
    );

    const all: Round[] = [];
    for (let i = 0; i <= rounds; i++) {
      const r = await round(i, base, gh.url, sourceDb);
      all.push(r);
      log(
        `${r.warmup ? "warm-up" : `round ${r.round}`}: ${(r.wall_ms / 1000).toFixed(3)} s ` +
          `(run …${r.run_id.slice(-8)}, commit ${r.commit.slice(0, 10)})`,
      );
    }
    const measured = all.filter((r) => !r.warmup);
    const walls = measured.map((r) => r.wall_ms);
    const phase = (f: (r: Round) => number | null) => {
      const xs = measured.map(f).filter((x): x is number => x !== null && Number.isFinite(x));
      return xs.length === 0 ? null : round1(median(xs));
    };
    const phases = {
      webhook_response_ms: phase((r) => r.webhook_ms),
      queued_ms: phase((r) => r.created_ms),
      waiting_to_start_ms: phase((r) =>
        r.started_ms === null ? null : r.started_ms - r.created_ms,
      ),
      running_to_publishing_seen_ms: phase((r) =>
        r.seen_ms["publishing"] !== undefined && r.started_ms !== null
          ? r.seen_ms["publishing"] - r.started_ms
          : null,
      ),
      started_to_finished_ms: phase((r) =>
        r.started_ms === null || r.finished_ms === null ? null : r.finished_ms - r.started_ms,
      ),
      finished_to_seen_ms: phase((r) =>
        r.finished_ms === null ? null : r.wall_ms - r.finished_ms,
      ),
    };
    const result = {
      median_ms: round1(median(walls)),
      min_ms: round1(Math.min(...walls)),
      max_ms: round1(Math.max(...walls)),
      target_median_ms: TARGET_MEDIAN_MS,
      target_met: median(walls) < TARGET_MEDIAN_MS,
      phases_median: phases,
    };
    printTable(all);
    log(
      `\nwebhook → run succeeded and branch head moved: median ${(result.median_ms / 1000).toFixed(3)} s, ` +
        `min ${(result.min_ms / 1000).toFixed(3)} s, max ${(result.max_ms / 1000).toFixed(3)} s ` +
        `over ${rounds} rounds (target median < ${TARGET_MEDIAN_MS / 1000} s: ` +
        `${result.target_met ? "met" : "MISSED"})`,
    );
    log(`phase medians (ms): ${JSON.stringify(phases)}`);
    await writeReport("e2e", startedAt, {
      bench: "e2e",
      command: `pnpm bench:e2e --rounds ${rounds} --tables ${tableCount} --rows ${rowsPerTable} --runtime ${values.runtime}`,
      runtime: values.runtime,
      started_at: startedAt.toISOString(),
      host,
      nats: NATS_URL,
      prefix,
      s3: s3.local ? "s3rver (in-process)" : s3.endpoint,
      database: { tables: tableCount, rows_per_table: rowsPerTable, bytes: dbBytes },
      debounce_s: 0,
      poll_ms: POLL_MS,
      rounds: all,
      result,
    });
    if (values.smoke) {
      await dashboardSmoke(base);
      log(`dashboard under ${values.runtime}: sign-in, overview and uPlot served`);
      // As deployed: SIGTERM stops serve cleanly, whatever the runtime.
      c.kill("SIGTERM");
      const code = await Promise.race([exited, sleep(20_000).then(() => "timeout" as const)]);
      log(
        `serve under ${values.runtime}: SIGTERM → ${code === "timeout" ? "still running after 20 s" : `exit ${code}`}`,
      );
      if (code !== 0)
        throw new Error(`serve under ${values.runtime} did not stop cleanly on SIGTERM`);
    } else if (!result.target_met) process.exitCode = 1;
  } catch (error) {
    log(`\nfailed: ${error instanceof Error ? error.message : String(error)}`);
    if (logs) log(`serve's last output:\n${logs.slice(-4000)}`);
    process.exitCode = 1;
  } finally {
    for (const step of cleanups.reverse()) {
      try {
        const r = await step.run();
        log(`cleaned up ${step.name}${Array.isArray(r) ? `: ${r.join(", ") || "none"}` : ""}`);
      } catch (error) {
        log(`cleanup of ${step.name} failed: ${error instanceof Error ? error.message : error}`);
        process.exitCode = 1;
      }
    }
    await rm(dir, { recursive: true, force: true });
    log(`removed ${dir}`);
  }
}

/** One round: change a few rows (not timed), then webhook → succeeded run and moved head. */
async function round(i: number, base: string, ghUrl: string, db: string): Promise<Round> {
  const auth = { authorization: `Bearer ${API_TOKEN}` };
  const listRuns = async (): Promise<RunView[]> => {
    const r = await fetch(`${base}/api/v1/targets/default/runs?limit=5`, { headers: auth });
    if (r.status !== 200) throw new Error(`runs: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { runs: RunView[] }).runs;
  };
  const head = async (): Promise<string | null> => {
    const r = await fetch(`${ghUrl}/repos/acme/backups/git/ref/heads/main`, {
      headers: { authorization: `token ${GH_TOKEN}` },
    });
    if (r.status === 404 || r.status === 409) {
      // 409: the repository is still empty (before the first backup)
      await r.arrayBuffer();
      return null;
    }
    if (r.status !== 200) throw new Error(`ref: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { object: { sha: string } }).object.sha;
  };
  const known = new Set((await listRuns()).map((r) => r.id));
  const before = await head();
  const t = `t${String((i % tableCount) + 1).padStart(2, "0")}`;
  await psql(
    db,
    `update ${t} set amount = amount + 1, name = name || '.' where id % 100 = ${i % 100}`,
  );

  const body = JSON.stringify({
    ref: "refs/heads/main",
    before: "0".repeat(40),
    after: randomBytes(20).toString("hex"),
    created: false,
    deleted: false,
    forced: false,
    commits: [],
    head_commit: null,
    repository: {
      id: 1,
      name: "app",
      full_name: "acme/app",
      default_branch: "main",
      owner: { login: "acme" },
    },
    pusher: { name: "octocat", email: "octocat@example.com" },
    sender: { login: "octocat" },
  });
  const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
  const t0 = performance.now();
  const wall0 = Date.now();
  const hook = await fetch(`${base}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signature,
    },
    body,
  });
  const webhookMs = performance.now() - t0;
  const hookText = await hook.text();
  if (hook.status >= 300) throw new Error(`webhook answered ${hook.status}: ${hookText}`);

  const seen: Record<string, number> = {};
  let run: RunView | undefined;
  let newHead: string | null = null;
  for (;;) {
    const [runs, h] = await Promise.all([listRuns(), head()]);
    const now = performance.now() - t0;
    run = runs.find((r) => !known.has(r.id)) ?? run;
    if (run && seen[run.status] === undefined) seen[run.status] = round1(now);
    if (h !== before) {
      // On an empty repository the README commit moves it first, then the backup commit.
      if (newHead === null) seen["head_moved"] = round1(now);
      newHead = h;
    }
    if (run && ["failed", "partial", "unchanged"].includes(run.status)) {
      throw new Error(`run ${run.id} ${run.status}: ${JSON.stringify(run.error)}`);
    }
    if (run?.status === "succeeded" && newHead !== null && newHead === run.commit?.sha) break;
    if (now > ROUND_TIMEOUT_MS) {
      throw new Error(`round ${i}: run ${run?.status ?? "absent"}, head moved ${newHead !== null}`);
    }
    await sleep(POLL_MS);
  }
  const wallMs = performance.now() - t0;
  if (run.commit?.sha !== newHead) {
    throw new Error(`run commit ${run.commit?.sha} is not the branch head ${newHead}`);
  }
  const rel = (iso: string | null) => (iso === null ? null : Date.parse(iso) - wall0);
  return {
    round: i,
    warmup: i === 0,
    wall_ms: round1(wallMs),
    run_id: run.id,
    commit: newHead,
    created_ms: rel(run.created_at) ?? NaN,
    started_ms: rel(run.started_at),
    finished_ms: rel(run.finished_at),
    seen_ms: seen,
    webhook_ms: round1(webhookMs),
  };
}

function printTable(all: readonly Round[]): void {
  const cols = [
    "round",
    "webhook",
    "created",
    "started",
    "publishing*",
    "finished",
    "head*",
    "wall",
  ];
  log(`\n${cols.map((c, i) => (i === 0 ? c.padEnd(9) : c.padStart(12))).join("")}`);
  const ms = (n: number | null | undefined) =>
    (n === null || n === undefined || !Number.isFinite(n) ? "-" : `${Math.round(n)}`).padStart(12);
  for (const r of all) {
    log(
      `${(r.warmup ? "warm-up" : String(r.round)).padEnd(9)}${ms(r.webhook_ms)}${ms(r.created_ms)}` +
        `${ms(r.started_ms)}${ms(r.seen_ms["publishing"])}${ms(r.finished_ms)}` +
        `${ms(r.seen_ms["head_moved"])}${ms(r.wall_ms)}`,
    );
  }
  log(
    "ms after the webhook was sent; created/started/finished from the status API, " +
      "* = first 25 ms poll that saw it",
  );
}

await main();

/** The dashboard answers under this runtime: sign-in, the overview, its chart library. */
async function dashboardSmoke(base: string): Promise<void> {
  const anonymous = await fetch(`${base}/`, { redirect: "manual" });
  if (anonymous.status !== 303) throw new Error(`GET / without a token: ${anonymous.status}`);
  const login = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: API_TOKEN, next: "/" }).toString(),
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  if (login.status !== 303 || cookie === "") throw new Error(`POST /login: ${login.status}`);
  const page = await fetch(`${base}/`, { headers: { cookie } });
  const html = await page.text();
  if (page.status !== 200 || !html.includes('data-target="default"'))
    throw new Error(`GET / signed in: ${page.status}`);
  const lib = await fetch(`${base}/ui/assets/uPlot.iife.min.js`);
  if (lib.status !== 200 || (await lib.text()).length < 10_000)
    throw new Error(`GET /ui/assets/uPlot.iife.min.js: ${lib.status}`);
}
