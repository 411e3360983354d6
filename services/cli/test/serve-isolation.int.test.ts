import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropBucket, type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, createSource, deleteStreams, sendPush, until } from "./e2e/harness.ts";
import { type CliGitHub, startCliGitHub } from "./github.ts";
import { NATS_URL, type Serving, s3Env, startServe, stopWithSigterm } from "./serve-rig.ts";

interface RunView {
  id: string;
  status: string;
  error?: string | null;
}

const FINAL = ["succeeded", "unchanged", "partial", "failed"];

/**
 * One `serve`, two targets: `healthy` and `broken`, whose database URL points at a port that
 * answers, but not as PostgreSQL (a proxy, an HTTP server). The broken one must fail its own runs
 * quickly, with the reason, and the healthy one back up as if it were not there.
 */
describe("tablesnap serve with a broken target beside a healthy one", () => {
  let source: ScratchDatabase;
  let stateDb: ScratchDatabase;
  let h: CliGitHub;
  let s3: S3TestServer;
  let notPg: Server;
  let serve: Serving | undefined;
  let dir: string;
  let port = 0;
  const prefix = `iso_${randomBytes(4).toString("hex")}`;
  const bucket = `iso-${randomBytes(6).toString("hex")}`;

  beforeAll(async () => {
    notPg = createServer((socket) => {
      socket.on("error", () => {});
      socket.write("HTTP/1.1 400 Bad Request\r\n");
      const drip = setInterval(() => socket.write("x"), 200);
      socket.on("close", () => clearInterval(drip));
    });
    await new Promise<void>((r) => notPg.listen(0, "127.0.0.1", r));
    const a = notPg.address();
    port = typeof a === "object" && a ? a.port : 0;
    source = await createSource("tsnap_iso_src");
    stateDb = await createScratchDatabase("tsnap_iso_state");
    h = await startCliGitHub();
    s3 = await startS3Server();
    const config = {
      targets: {
        healthy: { database_url: source.url, repository: await h.createRepo("healthy") },
        broken: {
          database_url: `postgres://app@127.0.0.1:${port}/app`,
          repository: await h.createRepo("broken"),
        },
      },
    };
    dir = await mkdtemp(join(tmpdir(), "tsnap-iso-"));
    await writeFile(join(dir, "targets.json"), JSON.stringify(config));
    serve = await startServe({
      TABLESNAP_CONFIG: join(dir, "targets.json"),
      TABLESNAP_STATE_URL: stateDb.url,
      TABLESNAP_NATS_PREFIX: prefix,
      ...s3Env(s3, bucket),
      GITHUB_API_URL: h.gh.url,
    });
  }, 60_000);

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill("SIGKILL");
      await serve.exited;
    }
    await deleteStreams(NATS_URL, prefix).catch(() => {});
    await Promise.allSettled([source?.drop(), stateDb?.drop()]);
    if (s3) {
      await dropBucket(s3, bucket);
      await s3.close();
    }
    await h?.close();
    await new Promise<void>((r) => (notPg ? notPg.close(() => r()) : r()));
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const runs = async (target: string): Promise<RunView[]> => {
    const r = await fetch(`${serve?.base}/api/v1/targets/${target}/runs`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(r.status).toBe(200);
    return ((await r.json()) as { runs: RunView[] }).runs;
  };
  const ended = (target: string, count: number) =>
    until(
      `${count} ended run(s) of ${target}`,
      async () => {
        const all = await runs(target);
        return all.length >= count && all.every((r) => FINAL.includes(r.status)) ? all : undefined;
      },
      120_000,
      () => serve?.logs() ?? "",
    );

  it("fails the broken target's runs with the reason, and backs the healthy one up each time", async () => {
    const s = serve as Serving;
    const started = Date.now();
    expect((await sendPush(s.base)).status, s.logs()).toBeLessThan(300);
    const [healthy] = await ended("healthy", 1);
    expect(healthy?.status, s.logs()).toBe("succeeded");
    const [broken] = await ended("broken", 1);
    expect(broken?.status).toBe("failed");
    expect(broken?.error).toContain(
      `cannot reach PostgreSQL at 127.0.0.1:${port}: nothing answered as PostgreSQL within 10 s`,
    );
    // Its run fails after two tries of 10 s (its connect bound), not at the 6 h time limit.
    expect(Date.now() - started).toBeLessThan(60_000);
    const ready = await fetch(`${s.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { targets: unknown }).targets).toMatchObject({
      healthy: { state: "ok" },
      broken: { state: "failing" },
    });

    // The broken target changes nothing for the next run of the healthy one.
    expect((await sendPush(s.base)).status, s.logs()).toBeLessThan(300);
    const after = await ended("healthy", 2);
    // A good backup again; its data did not change, so it committed nothing (newest first).
    expect(after.map((r) => r.status)).toEqual(["unchanged", "succeeded"]);

    const code = await stopWithSigterm(s);
    expect(code, s.logs()).toBe(0);
  }, 300_000);
});
