import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropBucket, type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import { type Emulator, startEmulator } from "@tablesnap/github-emulator";
import { test as base } from "vitest";
import { deleteStreams } from "./nats.ts";
import { createScratchDatabase, type ScratchDatabase } from "./postgres.ts";
import { natsServer, postgresServer, type TestServer } from "./servers.ts";

/** The GitHub API emulator of one test file, backed by real bare git repositories. */
export interface TestGitHub {
  readonly url: string;
  readonly token: string;
  readonly emulator: Emulator;
  /** An empty repository `acme/<name>-<n>`; returns its full name. */
  createRepo(name: string): Promise<string>;
}

/** The servers, once per test file: each from the environment when it answers, else started. */
export interface ServerFixtures {
  readonly postgres: TestServer;
  readonly nats: TestServer;
  readonly s3: S3TestServer;
  readonly github: TestGitHub;
}

/** What each test gets of its own, removed after it. */
export interface ResourceFixtures {
  readonly db: ScratchDatabase;
  /** A stream prefix nobody else uses; its streams are deleted after the test. */
  readonly natsPrefix: string;
  /** An empty bucket on `s3`, dropped after the test. */
  readonly bucket: string;
}

const TOKEN = "ghp_testingToolkitToken000000000000000000";
const unique = () => randomBytes(5).toString("hex");

/**
 * `test` with the project's real infrastructure as vitest fixtures: PostgreSQL (`postgres`, and a
 * scratch database `db`), NATS JetStream (`nats`, and a stream prefix `natsPrefix`), an S3 server
 * (`s3`, and a bucket `bucket`) and the GitHub emulator (`github`). Only the fixtures a test names
 * are set up. See docs/testing.md for where each server comes from.
 *
 * @example
 * import { test } from "@tablesnap/testing/vitest";
 * test("backs up", async ({ db, nats, natsPrefix, s3, bucket }) => { ... });
 */
export const test = base.extend<ResourceFixtures & ServerFixtures>({
  postgres: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from it.
    async ({}, use) => {
      const s = await postgresServer();
      await use(s);
      await s.stop();
    },
    { scope: "worker" },
  ],
  nats: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from it.
    async ({}, use) => {
      const s = await natsServer();
      await use(s);
      await s.stop();
    },
    { scope: "worker" },
  ],
  s3: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from it.
    async ({}, use) => {
      const s = await startS3Server(process.env);
      await use(s);
      await s.close();
    },
    { scope: "worker" },
  ],
  github: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from it.
    async ({}, use) => {
      const dir = await mkdtemp(join(tmpdir(), "tsnap-gh-"));
      const emulator = await startEmulator({ dataDir: dir, tokens: [{ token: TOKEN }] });
      let n = 0;
      await use({
        url: emulator.url,
        token: TOKEN,
        emulator,
        async createRepo(name) {
          const full = `${name}-${++n}`;
          const r = await fetch(`${emulator.url}/orgs/acme/repos`, {
            method: "POST",
            headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({ name: full }),
          });
          if (r.status !== 201) throw new Error(`cannot create acme/${full}: ${r.status}`);
          return `acme/${full}`;
        },
      });
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
    { scope: "worker" },
  ],
  db: async ({ postgres }, use) => {
    const db = await createScratchDatabase("tsnap_t", postgres.url);
    await use(db);
    await db.drop();
  },
  natsPrefix: async ({ nats }, use) => {
    const prefix = `t_${unique()}`;
    await use(prefix);
    await deleteStreams(nats.url, prefix);
  },
  bucket: async ({ s3 }, use) => {
    const name = `t-${unique()}`;
    await use(name);
    await dropBucket(s3, name);
  },
});
