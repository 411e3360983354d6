import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { dropBucket, type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import { parseManifest } from "@tablesnap/core";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, MAIN } from "./cli.ts";
import {
  API_TOKEN,
  createSource,
  deleteStreams,
  freePort,
  sendPush,
  until,
  WEBHOOK_SECRET,
} from "./e2e/harness.ts";
import { type CliGitHub, cloneAndFsck, startCliGitHub, TOKEN } from "./github.ts";

const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
const TABLES = { users: 500, events: 200, empty: 0 } as const;

interface RunSummary {
  id: string;
  status: string;
  commit?: unknown;
}

describe("tablesnap serve, end to end", () => {
  let rig: Rig | undefined;
  let source: ScratchDatabase;
  let h: CliGitHub;
  let child: ChildProcess | undefined;
  let logs = () => "";
  let exited: Promise<number | null>;
  let base: string;
  let repo: string;

  beforeAll(async () => {
    rig = await startRig("srv", (gh) => gh.createRepo("backups"));
    ({ source, h, repo } = rig);
    ({ child, base, exited, logs } = rig.serve);
  }, 60_000);
  afterAll(() => rig?.stop(), 60_000);

  it("turns a signed push webhook into a published commit, and stops on SIGTERM", async () => {
    const hook = await sendPush(base);
    expect(hook.status, `${hook.body}\n${logs()}`).toBeLessThan(300);

    const run = await until(
      "the run to end",
      async () => {
        const r = await fetch(`${base}/api/v1/targets/default/runs`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
        });
        expect(r.status).toBe(200);
        const { runs } = (await r.json()) as { runs: RunSummary[] };
        const first = runs[0];
        return first && ["succeeded", "partial", "failed"].includes(first.status)
          ? first
          : undefined;
      },
      90_000,
      logs,
    );
    expect(run.status, logs()).toBe("succeeded");

    const clone = await cloneAndFsck(h.bare(repo));
    try {
      // An empty repository first gets its README commit, then the run's one backup commit.
      expect(await git(clone, "rev-list", "--count", "HEAD")).toBe("2");
      expect((run.commit as { sha?: unknown } | undefined)?.sha, JSON.stringify(run)).toBe(
        await git(clone, "rev-parse", "HEAD"),
      );
      const link = await git(clone, "show", "HEAD:backups/latest/latest");
      const manifest = parseManifest(
        await git(clone, "show", `HEAD:backups/latest/${link}/manifest.json`),
      );
      const counts: Record<string, number> = {};
      for (const name of Object.keys(TABLES)) {
        const [row] = await source.sql.unsafe(`SELECT count(*)::int AS n FROM "${name}"`);
        counts[`public.${name}`] = Number(row?.["n"]);
      }
      const rows = Object.fromEntries(
        manifest.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]),
      );
      expect(rows).toEqual(counts);
      expect(counts).toEqual({ "public.users": 500, "public.events": 200, "public.empty": 0 });
    } finally {
      await rm(join_parent(clone), { recursive: true, force: true });
    }

    child?.kill("SIGTERM");
    const code = await Promise.race([
      exited,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000)),
    ]);
    expect(code, logs()).toBe(0);
    expect(logs()).toContain('"msg":"stopped"');
    expect(logs()).not.toContain(WEBHOOK_SECRET);
    expect(logs()).not.toContain(TOKEN);
  }, 150_000);
});

describe("tablesnap serve with a backup repository that does not exist", () => {
  let rig: Rig | undefined;
  // The emulator has no such repository: every publish fails.
  beforeAll(async () => {
    rig = await startRig("srvf", async () => "acme/missing");
  }, 60_000);
  afterAll(() => rig?.stop(), 60_000);

  it("fails the run naming the repository before dumping, and still stops on SIGTERM", async () => {
    const s = (rig as Rig).serve;
    const hook = await sendPush(s.base);
    expect(hook.status, `${hook.body}\n${s.logs()}`).toBeLessThan(300);
    const run = await until(
      "the run to fail",
      async () => {
        const r = await fetch(`${s.base}/api/v1/targets/default/runs`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
        });
        const { runs } = (await r.json()) as { runs: (RunSummary & { error?: string })[] };
        const first = runs[0];
        return first && ["succeeded", "partial", "failed"].includes(first.status)
          ? first
          : undefined;
      },
      90_000,
      s.logs,
    );
    expect(run.status).toBe("failed");
    expect(JSON.stringify(run)).toMatch(
      /the backup repository cannot be used, so nothing was dumped: GitHub repository acme\/missing does not exist/,
    );
    // Found before the dump: no snapshot was taken.
    expect(s.logs()).not.toContain('"msg":"run planned"');
    s.child.kill("SIGTERM");
    const code = await Promise.race([
      s.exited,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 20_000)),
    ]);
    expect(code, s.logs()).toBe(0);
  }, 150_000);
});

/** cloneAndFsck clones into `<tmp>/c`: remove the temporary folder. */
function join_parent(clone: string): string {
  return clone.replace(/\/c$/, "");
}

/** A source, a state database, the GitHub emulator, an S3 server and `serve` over them. */
interface Rig {
  readonly source: ScratchDatabase;
  readonly h: CliGitHub;
  readonly repo: string;
  readonly serve: Serving;
  stop(): Promise<void>;
}

async function startRig(label: string, repoOf: (h: CliGitHub) => Promise<string>): Promise<Rig> {
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

function s3Env(s3: S3TestServer, bucket: string): Record<string, string> {
  return {
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_REGION: s3.region,
    S3_BUCKET: bucket,
  };
}

interface Serving {
  readonly child: ChildProcess;
  readonly base: string;
  readonly exited: Promise<number | null>;
  logs(): string;
}

/** `tablesnap serve` as deployed (node, no pnpm in between), up once its status API answers. */
async function startServe(env: Record<string, string>): Promise<Serving> {
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
  await until(
    "serve to come up",
    async () => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}:\n${logs}`);
      const ok = await fetch(`${base}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
      return ok ? true : undefined;
    },
    30_000,
    () => logs,
  );
  return { child, base, exited, logs: () => logs };
}
