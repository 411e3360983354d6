import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dropBucket, type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { MAIN } from "./cli.ts";
import {
  API_TOKEN,
  createSource,
  deleteStreams,
  freePort,
  until,
  WEBHOOK_SECRET,
} from "./e2e/harness.ts";
import { type CliGitHub, startCliGitHub, TOKEN } from "./github.ts";

export const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";

/** cloneAndFsck clones into `<tmp>/c`: remove the temporary folder. */
export function join_parent(clone: string): string {
  return clone.replace(/\/c$/, "");
}

/** A source, a state database, the GitHub emulator, an S3 server and `serve` over them. */
export interface Rig {
  readonly source: ScratchDatabase;
  readonly h: CliGitHub;
  readonly repo: string;
  readonly serve: Serving;
  stop(): Promise<void>;
}

export async function startRig(
  label: string,
  repoOf: (h: CliGitHub) => Promise<string>,
): Promise<Rig> {
  const prefix = `${label}_${randomBytes(4).toString("hex")}`;
  const bucket = `${label}-${randomBytes(6).toString("hex")}`;
  const source = await createSource(`tsnap_${label}_src`);
  const stateDb = await createScratchDatabase(`tsnap_${label}_state`);
  const h = await startCliGitHub();
  const s3 = await startS3Server();
  const repo = await repoOf(h);
  const stop = async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill("SIGKILL");
      await serve.exited;
    }
    await deleteStreams(NATS_URL, prefix).catch(() => {});
    await Promise.allSettled([source.drop(), stateDb.drop()]);
    await dropBucket(s3, bucket);
    await s3.close();
    await h.close();
  };
  let serve: Serving | undefined;
  try {
    serve = await startServe({
      TABLESNAP_DATABASE_URL: source.url,
      TABLESNAP_STATE_URL: stateDb.url,
      TABLESNAP_NATS_PREFIX: prefix,
      ...s3Env(s3, bucket),
      TABLESNAP_GITHUB_REPO: repo,
      GITHUB_API_URL: h.gh.url,
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { source, h, repo, serve, stop };
}

export function s3Env(s3: S3TestServer, bucket: string): Record<string, string> {
  return {
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_REGION: s3.region,
    S3_BUCKET: bucket,
  };
}

export interface Serving {
  readonly child: ChildProcess;
  readonly base: string;
  readonly exited: Promise<number | null>;
  logs(): string;
}

/** `tablesnap serve` as deployed (node, no pnpm in between), up once its status API answers. */
export async function startServe(env: Record<string, string>): Promise<Serving> {
  const s = await spawnServe(env);
  const { child } = s;
  await until(
    "serve to come up",
    async () => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}:\n${s.logs()}`);
      const ok = await fetch(`${s.base}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
      return ok ? true : undefined;
    },
    30_000,
    s.logs,
  );
  return s;
}

/**
 * `tablesnap serve` started with the rig's credentials and `env`, not waited for: for a test of
 * a serve that may stop at start.
 */
export async function spawnServe(env: Record<string, string>): Promise<Serving> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let logs = "";
  const child = spawn(process.execPath, [MAIN, "serve"], {
    env: {
      ...process.env,
      NATS_URL,
      GITHUB_TOKEN: TOKEN,
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TABLESNAP_API_TOKEN: API_TOKEN,
      TABLESNAP_DEBOUNCE: "0",
      PORT: String(port),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    logs += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    logs += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, base, exited, logs: () => logs };
}

export interface RunSummary {
  id: string;
  status: string;
  error?: string | null;
  commit?: unknown;
}

/** The newest run of `target` once it ended (succeeded, partial or failed). */
export function newestEndedRun(s: Serving, timeoutMs: number, target = "default") {
  return until(
    `the newest run of ${target} to end`,
    async () => {
      const r = await fetch(`${s.base}/api/v1/targets/${target}/runs`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      const { runs } = (await r.json()) as { runs: RunSummary[] };
      const first = runs[0];
      return first && ["succeeded", "unchanged", "partial", "failed"].includes(first.status)
        ? first
        : undefined;
    },
    timeoutMs,
    s.logs,
  );
}

/** SIGTERM, then the exit code, or "timeout" when it did not exit within 20 s. */
export function stopWithSigterm(s: Serving): Promise<number | null | "timeout"> {
  s.child.kill("SIGTERM");
  return Promise.race([
    s.exited,
    new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000)),
  ]);
}
