import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropBucket, type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import { scratchDatabases } from "@tablesnap/restore/testing";
import { generateX25519Identity } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, tablesnap } from "./cli.ts";
import {
  API_TOKEN,
  deleteStreams,
  freePort,
  sendPush,
  until,
  WEBHOOK_SECRET,
} from "./e2e/harness.ts";
import { type CliGitHub, startCliGitHub, TOKEN } from "./github.ts";
import {
  NATS_URL,
  newestEndedRun,
  type Serving,
  s3Env,
  spawnServe,
  startServe,
} from "./serve-rig.ts";

const tag = () => randomBytes(6).toString("hex");
/** Known secrets fed through every path; none may come out anywhere. */
const DB_PASSWORD = `dbpw-${tag()}`;
const ROW_MARKER = `row-secret-${tag()}`;
const WRONG_TOKEN = `ghp_${tag()}${tag()}${tag()}`;
const S3_SECRET = `s3secret-${tag()}`;
const SCRATCH_PASSWORD = `scratchpw-${tag()}`;

const all = (r: CliRun) => `${r.stdout}\n${r.stderr}`;

function expectNone(text: string, secrets: readonly string[]) {
  for (const s of secrets) expect(text.includes(s), `output holds ${s}:\n${text}`).toBe(false);
}

describe("no password, token, key or row in the CLI's output", () => {
  const dbs = scratchDatabases();
  let h: CliGitHub;
  let dir: string;
  let closed: number;

  beforeAll(async () => {
    h = await startCliGitHub();
    dir = await mkdtemp(join(tmpdir(), "tsnap-secrets-"));
    closed = await freePort();
  });
  afterAll(async () => {
    await dbs.dropAll();
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a database URL with a password: from the environment never echoed, on a command line refused", async () => {
    const url = `postgres://postgres:${DB_PASSWORD}@127.0.0.1:${closed}/app`;
    const down = await tablesnap(["backup", "--repo", join(dir, "r1")], {
      TABLESNAP_DATABASE_URL: url,
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`127.0.0.1:${closed}`);
    const malformed = await tablesnap(["backup", "--repo", join(dir, "r2")], {
      TABLESNAP_DATABASE_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:notaport/app`,
    });
    expect(malformed.code).not.toBe(0);
    const onLine = [
      await tablesnap(["backup", "--database-url", url, "--repo", join(dir, "r3")]),
      await tablesnap(["restore", "--from", dir, "--database-url", url]),
      await tablesnap(["drill", "--from", dir, "--scratch-url", url]),
      await tablesnap([
        ...["backup", "--database-url", "postgres://127.0.0.1/x"],
        ...["--git-remote", `https://ops:${DB_PASSWORD}@git.example.invalid/b.git`],
      ]),
    ];
    for (const r of onLine) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/holds a password/);
    }
    for (const r of [down, malformed, ...onLine]) expectNone(all(r), [DB_PASSWORD]);
  });

  it("a restore the target refuses a row of names the line, never the row", async () => {
    const source = await dbs.create("tsnap_sec_src");
    await source.sql.unsafe(`
      CREATE TABLE public.people (id int PRIMARY KEY, email text NOT NULL UNIQUE);
      INSERT INTO public.people VALUES (1, 'a@example.com'), (2, '${ROW_MARKER}@example.com');
    `);
    const repo = join(dir, "rows");
    const b = await tablesnap(["backup", "--repo", repo, "--quiet"], {
      TABLESNAP_DATABASE_URL: source.url,
    });
    expect(b.code, b.stderr).toBe(0);
    const target = await dbs.create("tsnap_sec_tgt");
    await target.sql.unsafe(`
      CREATE TABLE public.people (id int PRIMARY KEY, email text NOT NULL UNIQUE
        CHECK (email NOT LIKE 'row-secret-%'));
      CREATE TABLE public.twins (id int PRIMARY KEY, email text UNIQUE);
    `);
    const r = await tablesnap(["restore", "--repo", repo, "--table", "public.people", "--quiet"], {
      TABLESNAP_RESTORE_URL: target.url,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'violates check constraint "people_email_check" (line 2 of the data); the values are left out',
    );
    expectNone(all(r), [ROW_MARKER]);
  });

  it("a GitHub token that is refused (401) is not repeated", async () => {
    const db = await dbs.create("tsnap_sec_gh");
    await db.sql`CREATE TABLE t (id int PRIMARY KEY)`;
    const repo = await h.createRepo("secrets");
    const r = await h.backup(["--github", repo, "--quiet"], {
      GITHUB_TOKEN: WRONG_TOKEN,
      TABLESNAP_DATABASE_URL: db.url,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/401|credentials/i);
    expectNone(all(r), [WRONG_TOKEN]);
  });
});

/** A webhook receiver standing in for Slack: every body it was sent. */
async function slackCatcher(): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString("utf8");
    });
    req.on("end", () => {
      bodies.push(body);
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  return { url: `http://127.0.0.1:${port}/slack`, bodies, server };
}

describe("no password, token, key or row out of the services", () => {
  const dbs = scratchDatabases();
  let h: CliGitHub;
  let s3: S3TestServer;
  let dir: string;
  let serve: Serving | undefined;
  let slack: Awaited<ReturnType<typeof slackCatcher>>;
  const prefix = `sec_${tag()}`;
  const bucket = `sec-${tag()}`;
  let ageKey = "";
  const secrets = () =>
    [DB_PASSWORD, S3_SECRET, TOKEN, API_TOKEN, WEBHOOK_SECRET, SCRATCH_PASSWORD, ageKey].filter(
      Boolean,
    );

  beforeAll(async () => {
    h = await startCliGitHub();
    s3 = await startS3Server();
    dir = await mkdtemp(join(tmpdir(), "tsnap-secrets-svc-"));
    slack = await slackCatcher();
    ageKey = await generateX25519Identity();
  });
  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill("SIGKILL");
      await serve.exited;
    }
    await deleteStreams(NATS_URL, prefix).catch(() => {});
    await dbs.dropAll();
    await dropBucket(s3, bucket);
    await s3.close();
    await h?.close();
    await new Promise<void>((r) => slack.server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it("an S3 secret key the server refuses is not repeated", async () => {
    const state = await dbs.create("tsnap_sec_s3state");
    // s3rver accepts any signature, so this stands in for an S3 server refusing the key: every
    // request gets the 403 SignatureDoesNotMatch AWS sends, with the fields it echoes.
    const refusing = createServer((req, res) => {
      req.resume();
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>${s3.accessKey}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256</StringToSign><RequestId>4442587FB7D0A2F9</RequestId></Error>`,
      );
    });
    await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", r));
    const a = refusing.address();
    const endpoint = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
    const s = await spawnServe({
      ...s3Env(s3, bucket),
      S3_ENDPOINT: endpoint,
      S3_SECRET_KEY: S3_SECRET,
      TABLESNAP_STATE_URL: state.url,
      TABLESNAP_NATS_PREFIX: `${prefix}_s3`,
      TABLESNAP_DATABASE_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:${await freePort()}/x`,
      TABLESNAP_GITHUB_REPO: await h.createRepo("s3"),
      GITHUB_API_URL: h.gh.url,
    });
    let readiness = "";
    // It stops at start, or reports the bucket in its readiness: either way it says why.
    await until(
      "serve to report the bucket",
      async () => {
        if (s.child.exitCode !== null) return true;
        const r = await fetch(`${s.base}/readyz`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
        }).catch(() => null);
        const body = r ? await r.text() : "";
        if (!body.includes('"object_store":{"ok":false')) return undefined;
        readiness = body;
        return true;
      },
      30_000,
      s.logs,
    ).finally(async () => {
      if (s.child.exitCode === null) s.child.kill("SIGTERM");
      await s.exited;
      await new Promise<void>((r) => refusing.close(() => r()));
    });
    const logs = `${s.logs()}\n${readiness}`;
    expect(logs).toMatch(/AccessDenied|SignatureDoesNotMatch|credentials/);
    await deleteStreams(NATS_URL, `${prefix}_s3`).catch(() => {});
    expectNone(logs, secrets());
  });

  it("a run that fails on a database URL with a password: logs, API, metrics, Slack", async () => {
    const state = await dbs.create("tsnap_sec_state");
    // A drill's scratch server (with its password) and the age key it opens backups with are
    // read at start: neither may reach an output either.
    const drill = { cron: "0 4 * * 0", scratch_url_env: "LEAKY_SCRATCH_URL" };
    const config = {
      targets: {
        leaky: { database_url_env: "LEAKY_URL", repository: await h.createRepo("leaky"), drill },
      },
    };
    await writeFile(join(dir, "targets.json"), JSON.stringify(config));
    serve = await startServe({
      TABLESNAP_CONFIG: join(dir, "targets.json"),
      LEAKY_URL: `postgres://app:${DB_PASSWORD}@127.0.0.1:${await freePort()}/app`,
      LEAKY_SCRATCH_URL: `postgres://drill:${SCRATCH_PASSWORD}@127.0.0.1:5432/postgres`,
      TABLESNAP_AGE_IDENTITY: `# drills\n${ageKey}\n`,
      TABLESNAP_STATE_URL: state.url,
      TABLESNAP_NATS_PREFIX: prefix,
      ...s3Env(s3, bucket),
      GITHUB_API_URL: h.gh.url,
      SLACK_WEBHOOK_URL: slack.url,
    });
    expect((await sendPush(serve.base)).status, serve.logs()).toBeLessThan(300);
    const run = await newestEndedRun(serve, 90_000, "leaky");
    expect(run.status).toBe("failed");
    await until("the failure posted to Slack", async () =>
      slack.bodies.length > 0 ? true : undefined,
    );
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const read = async (path: string, headers: Record<string, string> = auth) =>
      (await fetch(`${serve?.base}${path}`, { headers })).text();
    const seen = [
      serve.logs(),
      ...slack.bodies,
      await read("/api/v1/targets"),
      await read("/api/v1/targets/leaky/runs"),
      await read(`/api/v1/runs/${run.id}`),
      await read("/metrics"),
      await read("/readyz"),
      await read("/readyz", {}),
    ].join("\n");
    expect(seen).toContain("127.0.0.1");
    expectNone(seen, secrets());
  });
});
