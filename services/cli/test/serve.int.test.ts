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
  let source: ScratchDatabase;
  let stateDb: ScratchDatabase;
  let h: CliGitHub;
  let s3: S3TestServer;
  let child: ChildProcess | undefined;
  let logs = "";
  let exited: Promise<number | null>;
  let base: string;
  let repo: string;
  const prefix = `srv_${randomBytes(4).toString("hex")}`;
  const bucket = `serve-${randomBytes(6).toString("hex")}`;

  beforeAll(async () => {
    source = await createSource("tsnap_srv_src");
    stateDb = await createScratchDatabase("tsnap_srv_state");
    h = await startCliGitHub();
    repo = await h.createRepo("backups");
    s3 = await startS3Server();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [MAIN, "serve"], {
      env: {
        ...process.env,
        TABLESNAP_DATABASE_URL: source.url,
        TABLESNAP_STATE_URL: stateDb.url,
        NATS_URL,
        TABLESNAP_NATS_PREFIX: prefix,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY: s3.accessKey,
        S3_SECRET_KEY: s3.secretKey,
        S3_REGION: s3.region,
        S3_BUCKET: bucket,
        TABLESNAP_GITHUB_REPO: repo,
        GITHUB_API_URL: h.gh.url,
        GITHUB_TOKEN: TOKEN,
        GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        TABLESNAP_API_TOKEN: API_TOKEN,
        TABLESNAP_DEBOUNCE: "0",
        PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const c = child;
    c.stdout?.setEncoding("utf8").on("data", (d: string) => {
      logs += d;
    });
    c.stderr?.setEncoding("utf8").on("data", (d: string) => {
      logs += d;
    });
    exited = new Promise((resolve) => c.on("exit", (code) => resolve(code)));
    // Up when the status API answers.
    await until(
      "serve to come up",
      async () => {
        if (c.exitCode !== null) throw new Error(`serve exited ${c.exitCode}:\n${logs}`);
        const ok = await fetch(`${base}/healthz`)
          .then((r) => r.ok)
          .catch(() => false);
        return ok ? true : undefined;
      },
      30_000,
      () => logs,
    );
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    await deleteStreams(NATS_URL, prefix).catch(() => {});
    await Promise.allSettled([source?.drop(), stateDb?.drop()]);
    if (s3) {
      await dropBucket(s3, bucket);
      await s3.close();
    }
    await h?.close();
  }, 60_000);

  it("turns a signed push webhook into a published commit, and stops on SIGTERM", async () => {
    const hook = await sendPush(base);
    expect(hook.status, `${hook.body}\n${logs}`).toBeLessThan(300);

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
      () => logs,
    );
    expect(run.status, logs).toBe("succeeded");

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
    expect(code, logs).toBe(0);
    expect(logs).toContain('"msg":"stopped"');
    expect(logs).not.toContain(WEBHOOK_SECRET);
    expect(logs).not.toContain(TOKEN);
  }, 150_000);
});

/** cloneAndFsck clones into `<tmp>/c`: remove the temporary folder. */
function join_parent(clone: string): string {
  return clone.replace(/\/c$/, "");
}
