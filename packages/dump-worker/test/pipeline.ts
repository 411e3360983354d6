import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { S3ArtifactStore } from "@tablesnap/artifacts/s3";
import { dropBucket, startS3Server, testBucketName } from "@tablesnap/artifacts/testing";
import { NatsBus } from "@tablesnap/bus";
import type { TargetConfig } from "@tablesnap/config";
import { type PublisherOptions, startPublisher } from "@tablesnap/publisher";
import { type Running, repoOpener } from "@tablesnap/runs";
import { migrate, PgStateStore, type RunDetail } from "@tablesnap/state";
import {
  createScratchDatabase,
  deleteStreams,
  type ScratchDatabase,
  until,
} from "@tablesnap/testing";
import { type DumpWorkerOptions, startDumpWorker } from "../src/index.ts";

const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";

/** Everything a pipeline test runs against: real PostgreSQL, NATS, an S3 server and a git repository. */
export interface Pipeline {
  readonly source: ScratchDatabase;
  readonly state: PgStateStore;
  readonly bus: NatsBus;
  readonly bucket: S3ArtifactStore;
  readonly repoDir: string;
  readonly target: TargetConfig;
  readonly prefix: string;
  /** What test/worker-child.ts needs, as its WORKER_CHILD variable. */
  childConfig(dumpAckWaitMs: number, extra?: Record<string, unknown>): string;
  /** Slack posts the publisher made. */
  readonly slack: { url: string; body: unknown }[];
  dumpWorker(extra?: Partial<DumpWorkerOptions>): Promise<Running>;
  publisher(extra?: Partial<PublisherOptions>): Promise<Running>;
  /** Records a trigger, claims its run and hands it to the dump workers, as the coordinator does. */
  startRun(id: string, responseUrl?: string): Promise<string>;
  waitForRun(runId: string, timeoutMs?: number): Promise<RunDetail>;
  /**
   * The run's objects still in the bucket, once they are all gone or 15 s passed: they are
   * removed after the run ends, so a test reads them only when it settled.
   */
  leftovers(runId: string): Promise<string[]>;
  commits(): string[];
  gitShow(path: string): string;
  close(): Promise<void>;
}

/** `stockS3`: s3rver as users run it, not the harness's one that encodes listed keys. */
export async function startPipeline(
  options: {
    stockS3?: boolean;
    encryption?: TargetConfig["encryption"];
    commitUnchanged?: boolean;
    /** A scheduled drill on the source's server (the test sends the coordinator's message). */
    drill?: boolean;
    retention?: TargetConfig["retention"];
    storage?: TargetConfig["storage"];
  } = {},
): Promise<Pipeline> {
  const source = await createScratchDatabase("tsnap_wsrc");
  const stateDb = await createScratchDatabase("tsnap_wstate");
  await migrate(stateDb.url);
  const state = PgStateStore.open(stateDb.url);
  const prefix = `wk_${randomBytes(4).toString("hex")}`;
  const bus = new NatsBus({ servers: NATS_URL, prefix });
  await bus.ensureStreams();
  const s3 = await startS3Server(process.env, { stock: options.stockS3 === true });
  const bucketName = testBucketName("worker");
  const bucket = new S3ArtifactStore({ ...s3, bucket: bucketName });
  await bucket.ensureBucket();
  const repoDir = await mkdtemp(join(tmpdir(), "tsnap-wrepo-"));
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", repoDir]);
  const target = {
    ...testTarget("default", source.url, { kind: "local", path: repoDir, branch: "main" }),
    ...(options.encryption ? { encryption: options.encryption } : {}),
    commitUnchanged: options.commitUnchanged ?? false,
    ...(options.drill
      ? { drill: { cron: "0 4 * * 0", scratchUrlEnv: "SCRATCH", scratchUrl: source.url } }
      : {}),
    ...(options.retention ? { retention: options.retention } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
  };
  const slack: { url: string; body: unknown }[] = [];
  const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    slack.push({ url: String(url), body: JSON.parse(String(init?.body ?? "null")) });
    return new Response("ok");
  }) as typeof fetch;
  const base = {
    bus,
    state,
    bucket,
    targets: [target],
    slack: { webhookUrl: "https://hooks.slack.test/failures", fetch: fakeFetch },
  };
  const running: Running[] = [];
  const git = (...args: string[]) => execFileSync("git", ["-C", repoDir, ...args]).toString();
  return {
    source,
    state,
    bus,
    bucket,
    repoDir,
    target,
    prefix,
    slack,
    childConfig: (dumpAckWaitMs, extra = {}) =>
      JSON.stringify({
        ...extra,
        nats: NATS_URL,
        prefix,
        stateUrl: stateDb.url,
        s3: { ...s3, bucket: bucketName },
        target,
        dumpAckWaitMs,
      }),
    async dumpWorker(extra = {}) {
      const w = await startDumpWorker({
        ...base,
        pollMs: 50,
        jobDelivery: { backoffMs: [100], ackWaitMs: 10_000 },
        ...extra,
      });
      running.push(w);
      return w;
    },
    async publisher(extra = {}) {
      const p = await startPublisher({
        ...base,
        openRepo: repoOpener({ apiUrl: "http://unused" }),
        ...extra,
      });
      running.push(p);
      return p;
    },
    async startRun(id, responseUrl) {
      const t = { id, target: "default", source: "api", event: "manual", ref: "tests" } as const;
      await state.recordTrigger(
        { ...t, receivedAt: new Date(), ...(responseUrl ? { responseUrl } : {}) },
        { debounceSeconds: 0 },
      );
      const run = await state.claimDueRun({ target: "default", timeLimitSeconds: 600 });
      if (!run) throw new Error("no run to claim");
      await bus.publish("dump", { run_id: run.id, target: "default" });
      return run.id;
    },
    async waitForRun(runId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await state.getRun(runId);
        if (r && ["succeeded", "unchanged", "partial", "failed"].includes(r.status)) return r;
        if (Date.now() > deadline)
          throw new Error(`run ${runId} still ${r?.status} after ${timeoutMs} ms`);
        await new Promise((res) => setTimeout(res, 100));
      }
    },
    async leftovers(runId) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const left = await bucket.forPrefix(`runs/${runId}/`).list();
        if (left.length === 0 || Date.now() > deadline) return left;
        await new Promise((res) => setTimeout(res, 100));
      }
    },
    commits: () =>
      git("rev-list", "--all")
        .split("\n")
        .filter((l) => l !== ""),
    gitShow: (path) => git("show", `main:${path}`),
    async close() {
      await Promise.allSettled(running.map((r) => r.stop()));
      await bus.close();
      await deleteStreams(NATS_URL, prefix).catch(() => {});
      await state.close();
      await Promise.allSettled([source.drop(), stateDb.drop()]);
      await dropBucket(s3, bucketName);
      await s3.close();
      await rm(repoDir, { recursive: true, force: true });
    },
  };
}

const CHILD = fileURLToPath(new URL("./worker-child.ts", import.meta.url));

/** A dump worker in a process of its own (test/worker-child.ts), for tests that SIGKILL one. */
export interface ChildWorker {
  /** SIGKILL, once; resolves when the process is gone. */
  kill(): Promise<void>;
}

/** Starts test/worker-child.ts with `config` (from `Pipeline.childConfig`), once it is ready. */
export async function startChildWorker(config: string): Promise<ChildWorker> {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, WORKER_CHILD: config },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit");
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  try {
    await until("the child worker", async () =>
      String(child.stdout.read() ?? "").includes("ready") ? true : undefined,
    );
  } catch (e) {
    await kill();
    throw e;
  }
  return { kill };
}

export { until };

/** A target as the config would give it, with short limits for tests. */
export function testTarget(
  name: string,
  databaseUrl: string,
  repository: TargetConfig["repository"],
): TargetConfig {
  return {
    name,
    databaseUrl,
    repository,
    branches: { defaultBranch: true, names: [] },
    repositories: "all",
    schedules: [],
    retention: { keep: 30, keepDays: 30 },
    debounceSeconds: 0,
    freshnessLimitSeconds: 86_400,
    timeLimitSeconds: 600,
    rolePasswords: false,
    commitUnchanged: false,
  };
}
