import { rm } from "node:fs/promises";
import { MemoryArtifactStore } from "@tablesnap/artifacts";
import { startPostgresCluster, type TestServer } from "@tablesnap/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupToDisk } from "../test/helpers.ts";
import { connect } from "./connect.ts";
import { openSnapshot } from "./snapshot.ts";
import { dumpTableData } from "./table-data.ts";

/**
 * A stock server whose lock table is sized for 640 locks (max_locks_per_transaction 64 ×
 * max_connections 10, shared by every session), with 600 tables: more than a quarter of it, so
 * the snapshot does not lock them and pg_dump, which locks each, runs alone. The server's shared
 * memory slack let the old way (every table locked twice) through at this size; on a default
 * server (6,400) 10,000 tables failed it with "out of shared memory" (docs/benchmarks.md).
 */
describe("a database with more tables than the server's lock table is sized for", () => {
  let server: TestServer;
  let admin: postgres.Sql;
  const TABLES = 600;

  beforeAll(async () => {
    server = await startPostgresCluster({ max_connections: "10" });
    admin = postgres(server.url, { max: 1, onnotice: () => {} });
    for (let from = 0; from < TABLES; from += 100) {
      await admin.unsafe(`do $$ begin for i in ${from}..${from + 99} loop
        execute format('create table %I (id int primary key, v text)', 't_' || lpad(i::text, 4, '0'));
        execute format('insert into %I values (1, %L), (2, %L)', 't_' || lpad(i::text, 4, '0'), i, i);
      end loop; end $$`);
    }
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it("backs up every table: the snapshot leaves the locks to pg_dump, which run one at a time", async () => {
    const b = await backupToDisk(server.url, { jobs: 2, customDump: true });
    try {
      expect(b.manifest.tables).toHaveLength(TABLES);
      expect(b.manifest.totals.rows).toBe(2 * TABLES);
      expect(b.manifest.schemas[0]?.files.map((f) => f.path)).toContain("public/public.dump");
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("fails the copy of a table truncated after the snapshot, naming it, instead of copying nothing", async () => {
    const { sql } = await connect(server.url, 2);
    const snap = await openSnapshot(sql, { include: [], exclude: [] });
    try {
      expect(snap.info.tablesLocked).toBe(false);
      await admin`truncate t_0007`;
      const table = snap.info.tables.find((t) => t.name === "t_0007");
      if (!table) throw new Error("t_0007 is not in the snapshot");
      const copy = dumpTableData({
        ...{ sql, snapshotId: snap.info.id, table, store: new MemoryArtifactStore() },
        ...{ folder: "public/tables/t_0007", maxBytes: 1 << 20, trailer: "" },
        signal: new AbortController().signal,
      });
      await expect(copy).rejects.toThrow(
        /table public\.t_0007 was emptied or rewritten \(TRUNCATE.*after this backup's snapshot was taken/,
      );
    } finally {
      await snap.close();
      await sql.end();
    }
  });
});
