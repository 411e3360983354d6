import { Socket } from "node:net";
import { S3ArtifactStore } from "@tablesnap/artifacts/s3";
import { describe, expect } from "vitest";
import { natsServer, postgresServer } from "./servers.ts";
import { test } from "./vitest.ts";

describe("the test toolkit's fixtures", () => {
  test("give a scratch database on a PostgreSQL that answers", async ({ db, postgres }) => {
    const [row] = await db.sql<{ db: string }[]>`select current_database() as db`;
    expect(row?.db).toBe(db.name);
    expect(postgres.origin).toBe("environment");
  });

  test("give an S3 bucket that takes and lists objects", async ({ s3, bucket }) => {
    const store = new S3ArtifactStore({ ...s3, bucket });
    await store.ensureBucket();
    const w = await store.openWriter("a/b.txt");
    await w.write(new TextEncoder().encode("hello"));
    await w.close();
    expect(await store.list()).toEqual(["a/b.txt"]);
  });

  test("give the GitHub emulator with a token that creates repositories", async ({ github }) => {
    const repo = await github.createRepo("toolkit");
    const r = await fetch(`${github.url}/repos/${repo}`, {
      headers: { authorization: `token ${github.token}` },
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { full_name: string }).full_name).toBe(repo);
  });
});

describe("servers the environment does not provide are started here", () => {
  test("a nats-server with JetStream when NATS_URL does not answer", async ({ task }) => {
    const saved = process.env["NATS_URL"];
    process.env["NATS_URL"] = "nats://127.0.0.1:1"; // Nothing listens on port 1.
    try {
      const s = await natsServer();
      try {
        expect(s.origin, task.name).toBe("started");
        // A NATS server greets with INFO; this one says JetStream is on.
        const u = new URL(s.url);
        const info = await new Promise<string>((resolve, reject) => {
          const sock = new Socket();
          sock.once("error", reject);
          sock.once("data", (d: Buffer) => resolve(sock.destroy() && d.toString()));
          sock.connect(Number(u.port), u.hostname);
        });
        expect(info).toMatch(/^INFO .*"jetstream":true/);
      } finally {
        await s.stop();
      }
    } finally {
      if (saved === undefined) delete process.env["NATS_URL"];
      else process.env["NATS_URL"] = saved;
    }
  });

  test("a private PostgreSQL cluster when DATABASE_URL does not answer", async () => {
    const saved = process.env["DATABASE_URL"];
    process.env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/postgres";
    try {
      const s = await postgresServer();
      try {
        expect(s.origin).toBe("started");
        const { default: postgres } = await import("postgres");
        const sql = postgres(s.url, { max: 1 });
        const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
        await sql.end();
        expect(row?.v).toMatch(/^\d+/);
      } finally {
        await s.stop();
      }
    } finally {
      if (saved === undefined) delete process.env["DATABASE_URL"];
      else process.env["DATABASE_URL"] = saved;
    }
  }, 60_000);
});
