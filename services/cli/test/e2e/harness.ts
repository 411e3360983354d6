// Shared set-up of the end-to-end tests: the GitHub emulator, an S3 server, scratch databases,
// a private nats-server, the five services as separate processes, signed pushes, polling.
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dropBucket, type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import {
  createScratchDatabase,
  deleteStreams,
  freePort,
  type ScratchDatabase,
  until,
} from "@tablesnap/testing";
import { git } from "../cli.ts";
import { type CliGitHub, cloneAndFsck, startCliGitHub, TOKEN } from "../github.ts";

/** The test toolkit's helpers, for the tests that import them from here. */
export { deleteStreams, freePort, until } from "@tablesnap/testing";

export const WEBHOOK_SECRET = "e2e-test-webhook-secret";
export const API_TOKEN = "e2e-test-api-token";
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const NATS_SERVER_BIN = process.env["NATS_SERVER_BIN"] ?? "/usr/sbin/nats-server";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A GitHub push to `full_name`'s default branch `main`. */
export function pushPayload(fullName = "acme/app"): Record<string, unknown> {
  const [owner = "acme", name = "app"] = fullName.split("/");
  return {
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
      name,
      full_name: fullName,
      default_branch: "main",
      owner: { login: owner },
    },
    pusher: { name: "octocat", email: "octocat@example.com" },
    sender: { login: "octocat" },
  };
}

/** POSTs a signed push webhook; `delivery` is the X-GitHub-Delivery (default: a new uuid). */
export async function sendPush(
  ingressUrl: string,
  options: { repository?: string | undefined; delivery?: string | undefined } = {},
): Promise<{ status: number; body: string; delivery: string }> {
  const body = JSON.stringify(pushPayload(options.repository));
  const delivery = options.delivery ?? randomUUID();
  const signature = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
  const r = await fetch(`${ingressUrl}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": delivery,
      "x-hub-signature-256": signature,
    },
    body,
  });
  return { status: r.status, body: await r.text(), delivery };
}

export interface TriggerView {
  id: string;
  source: string;
  event: string;
}
export interface TableView {
  schema: string;
  name: string;
  status: string;
  rows: number | null;
}
export interface RunView {
  id: string;
  status: string;
  error: string | null;
  commit: { sha: string; url: string | null } | null;
  triggers: TriggerView[];
  tables?: TableView[];
}

export const FINAL = ["succeeded", "unchanged", "partial", "failed"];

/** The commits of a bare repository's HEAD after `git clone` + `git fsck --strict` of both. */
export async function cloneCommits(bare: string): Promise<{ count: number; head: string }> {
  const clone = await cloneAndFsck(bare);
  try {
    return {
      count: Number(await git(clone, "rev-list", "--count", "HEAD")),
      head: await git(clone, "rev-parse", "HEAD"),
    };
  } finally {
    await rm(dirname(clone), { recursive: true, force: true });
  }
}

/** A nats-server with JetStream on its own port and store, to be killed and started again. */
export class PrivateNats {
  #child: ChildProcess | undefined;
  logs = "";
  readonly port: number;
  readonly storeDir: string;
  private constructor(port: number, storeDir: string) {
    this.port = port;
    this.storeDir = storeDir;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /**
   * A free port is only free until someone takes it: another server started at the same moment
   * (s3rver on port 0) may get it first, and nats-server then exits. So a fresh port is tried
   * again, up to three times.
   */
  static async start(): Promise<PrivateNats> {
    const storeDir = await mkdtemp(join(tmpdir(), "tsnap-e2e-nats-"));
    for (let attempt = 1; ; attempt++) {
      const n = new PrivateNats(await freePort(), storeDir);
      try {
        await n.start();
        return n;
      } catch (e) {
        await n.kill();
        if (attempt >= 3) throw e;
      }
    }
  }

  async start(): Promise<void> {
    const child = spawn(
      NATS_SERVER_BIN,
      ["-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.storeDir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.#child = child;
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      this.logs += d;
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      this.logs += d;
    });
    // Its own word, not a TCP connect: whatever else took the port would accept one too.
    await until(
      "nats-server to listen",
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited:\n${this.logs}`);
        return this.logs.includes("Server is ready") ? true : undefined;
      },
      15_000,
    );
  }

  /** kill -9, waiting for the exit. */
  async kill(): Promise<void> {
    const c = this.#child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }

  async close(): Promise<void> {
    await this.kill();
    await rm(this.storeDir, { recursive: true, force: true });
  }
}

/** What every stack of one test file shares: source databases, S3, the GitHub emulator, NATS. */
export interface Shared {
  h: CliGitHub;
  s3: S3TestServer;
  nats: PrivateNats;
  close(): Promise<void>;
}

export async function startShared(): Promise<Shared> {
  const [h, s3, nats] = await Promise.all([startCliGitHub(), startS3Server(), PrivateNats.start()]);
  return {
    h,
    s3,
    nats,
    async close() {
      await nats.close();
      await s3.close();
      await h.close();
    },
  };
}

/** A source database with `tables` small tables and, when `bigRows` > 0, a table `big`. */
export async function createSource(name: string, bigRows = 0): Promise<ScratchDatabase> {
  const db = await createScratchDatabase(name);
  await db.sql.unsafe(`
    CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 500) g;
    CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body jsonb);
    INSERT INTO events (body) SELECT jsonb_build_object('n', g) FROM generate_series(1, 200) g;
    CREATE TABLE empty (id int PRIMARY KEY);
  `);
  if (bigRows > 0) {
    await db.sql.unsafe(`
      CREATE TABLE big (id int PRIMARY KEY, a text, b text, c text);
      INSERT INTO big SELECT g, md5(g::text), md5((g * 7)::text), repeat(md5((g * 13)::text), 2)
        FROM generate_series(1, ${bigRows}) g;
    `);
  }
  return db;
}

export const SERVICES = [
  "ingress",
  "coordinator",
  "dump-worker",
  "publisher",
  "status-api",
] as const;
export type ServiceName = (typeof SERVICES)[number];

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * One installation: the five services, each its own process, with their own NATS prefix, state
 * database, bucket and backup repository, so the tests of a file do not see each other's runs.
 */
export class Stack {
  logs = "";
  readonly procs = new Map<ServiceName, Proc>();
  readonly shared: Shared;
  readonly env: Record<string, string>;
  readonly state: ScratchDatabase;
  readonly repo: string;
  readonly prefix: string;
  readonly bucket: string;
  readonly ingressUrl: string;
  readonly statusUrl: string;
  private constructor(o: {
    shared: Shared;
    env: Record<string, string>;
    state: ScratchDatabase;
    repo: string;
    prefix: string;
    bucket: string;
    ingressUrl: string;
    statusUrl: string;
  }) {
    this.shared = o.shared;
    this.env = o.env;
    this.state = o.state;
    this.repo = o.repo;
    this.prefix = o.prefix;
    this.bucket = o.bucket;
    this.ingressUrl = o.ingressUrl;
    this.statusUrl = o.statusUrl;
  }

  static async start(
    shared: Shared,
    options: { name: string; sourceUrl: string; debounce?: number; ackWait?: number },
  ): Promise<Stack> {
    const state = await createScratchDatabase(`tsnap_e2e_${options.name}`);
    const repo = await shared.h.createRepo(options.name);
    const prefix = `e2e_${options.name}_${randomBytes(3).toString("hex")}`;
    const bucket = `e2e-${options.name}-${randomBytes(4).toString("hex")}`;
    const [ingressPort, statusPort] = [await freePort(), await freePort()];
    const env: Record<string, string> = {
      TABLESNAP_DATABASE_URL: options.sourceUrl,
      TABLESNAP_STATE_URL: state.url,
      NATS_URL: shared.nats.url,
      TABLESNAP_NATS_PREFIX: prefix,
      TABLESNAP_ACK_WAIT: String(options.ackWait ?? 3),
      S3_ENDPOINT: shared.s3.endpoint,
      S3_ACCESS_KEY: shared.s3.accessKey,
      S3_SECRET_KEY: shared.s3.secretKey,
      S3_REGION: shared.s3.region,
      S3_BUCKET: bucket,
      TABLESNAP_GITHUB_REPO: repo,
      GITHUB_API_URL: shared.h.gh.url,
      GITHUB_TOKEN: TOKEN,
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TABLESNAP_API_TOKEN: API_TOKEN,
      TABLESNAP_DEBOUNCE: String(options.debounce ?? 0),
      INGRESS_PORT: String(ingressPort),
      STATUS_PORT: String(statusPort),
    };
    const stack = new Stack({
      shared,
      env,
      state,
      repo,
      prefix,
      bucket,
      ingressUrl: `http://127.0.0.1:${ingressPort}`,
      statusUrl: `http://127.0.0.1:${statusPort}`,
    });
    // The status API and the coordinator migrate the state schema: start them first.
    await stack.startService("status-api");
    await Promise.all(
      (["coordinator", "dump-worker", "publisher", "ingress"] as const).map((s) =>
        stack.startService(s),
      ),
    );
    return stack;
  }

  /** Starts `name` (`node services/<name>/src/main.ts`) and waits until it is up. */
  async startService(name: ServiceName): Promise<void> {
    const { INGRESS_PORT, STATUS_PORT, ...env } = this.env;
    const port =
      name === "ingress" ? INGRESS_PORT : name === "status-api" ? STATUS_PORT : undefined;
    const child = spawn(process.execPath, [join(ROOT, "services", name, "src", "main.ts")], {
      cwd: ROOT,
      env: { ...process.env, ...env, ...(port === undefined ? {} : { PORT: port }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const onData = (d: string) => {
      out += d;
      for (const line of d.split("\n")) if (line !== "") this.logs += `[${name}] ${line}\n`;
    };
    child.stdout?.setEncoding("utf8").on("data", onData);
    child.stderr?.setEncoding("utf8").on("data", onData);
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    this.procs.set(name, { child, exited });
    const upMark: Record<ServiceName, string> = {
      ingress: '"msg":"listening"',
      "status-api": '"msg":"listening"',
      coordinator: '"msg":"coordinator started"',
      "dump-worker": '"msg":"starting"',
      publisher: '"msg":"starting"',
    };
    await until(
      `${name} to start`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${out}`);
        return out.includes(upMark[name]) ? true : undefined;
      },
      30_000,
      () => out,
    );
  }

  /** SIGTERM to one service, as an orchestrator stops it: its exit code (null: by a signal). */
  async terminate(name: ServiceName, limitMs = 20_000): Promise<number | null | "timeout"> {
    const p = this.procs.get(name);
    if (p === undefined) throw new Error(`${name} is not running`);
    const code = new Promise<number | null>((r) => p.child.once("exit", (c) => r(c)));
    p.child.kill("SIGTERM");
    const out = await Promise.race([
      code,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), limitMs)),
    ]);
    if (out !== "timeout") this.procs.delete(name);
    return out;
  }

  /** kill -9 of one service, waiting for its exit. */
  async kill(name: ServiceName): Promise<void> {
    const p = this.procs.get(name);
    if (p === undefined) return;
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await p.exited;
    this.procs.delete(name);
  }

  push(options: { repository?: string | undefined; delivery?: string | undefined } = {}) {
    return sendPush(this.ingressUrl, options);
  }

  async api<T>(path: string): Promise<T> {
    const r = await fetch(`${this.statusUrl}${path}`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  }

  async runs(): Promise<RunView[]> {
    return (await this.api<{ runs: RunView[] }>("/api/v1/targets/default/runs?limit=100")).runs;
  }

  run(id: string): Promise<RunView> {
    return this.api<RunView>(`/api/v1/runs/${id}`);
  }

  /** Polls until the run holding trigger `delivery` exists; returns its id. */
  runOf(delivery: string, ms = 30_000): Promise<string> {
    return until(
      `a run with trigger ${delivery}`,
      async () => {
        const runs = await this.runs();
        return runs.find((r) => r.triggers.some((t) => t.id === delivery))?.id;
      },
      ms,
      () => this.logs,
    );
  }

  /** Polls until run `id` ends; returns its detail. */
  finished(id: string, ms = 60_000): Promise<RunView> {
    return until(
      `run ${id} to end`,
      async () => {
        const r = await this.run(id);
        return FINAL.includes(r.status) ? r : undefined;
      },
      ms,
      () => this.logs,
    );
  }

  commits() {
    return cloneCommits(this.shared.h.bare(this.repo));
  }

  async close(): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.kill(s)));
    // E2E_LOG_DIR=<dir>: every service's log lines, one file per stack, for reading afterwards.
    const dir = process.env["E2E_LOG_DIR"];
    if (dir) await writeFile(join(dir, `${this.prefix}.log`), this.logs).catch(() => {});
    await deleteStreams(this.shared.nats.url, this.prefix).catch(() => {});
    await this.state.drop().catch(() => {});
    await dropBucket(this.shared.s3, this.bucket).catch(() => {});
  }
}

export {
  type CliGitHub,
  createScratchDatabase,
  dropBucket,
  type S3TestServer,
  type ScratchDatabase,
  startCliGitHub,
  startS3Server,
  TOKEN,
};
