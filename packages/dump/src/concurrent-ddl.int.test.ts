import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupToDisk } from "../test/helpers.ts";

describe("a schema change while a backup runs", () => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_ddl");
    await db.sql.unsafe(`
      create table big (id int primary key, v text);
      insert into big select g, repeat(md5(g::text), 4) from generate_series(1, 600000) g;
      create table small (id int primary key);
      insert into small values (1);
      analyze;`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("fails the backup with a clear error instead of waiting forever, and lets the ALTER through", async () => {
    const other = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      // One job: big is copied first, small after it. Once big's COPY runs, an ALTER on small
      // queues behind the run's snapshot transaction.
      const backup = backupToDisk(db.url, { jobs: 1, customDump: false });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [row] = await other<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and query like 'COPY (SELECT%big%'`;
        if ((row?.n ?? 0) > 0) break;
        if (Date.now() > deadline) throw new Error("the backup never started copying big");
        await new Promise((r) => setTimeout(r, 20));
      }
      // postgres.js sends a query only when asked to: execute() sends it now.
      const alter = other`alter table small add column extra int`.execute();
      const failure = await backup.then(
        () => null,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(
        /(table public\.small|a table) is waiting to be altered or dropped by another session/,
      );
      await alter;
      const [col] =
        await db.sql`select count(*)::int as n from information_schema.columns where table_name = 'small' and column_name = 'extra'`;
      expect(Number(col?.["n"])).toBe(1);
    } finally {
      await other.end();
    }
  }, 60_000);
});
