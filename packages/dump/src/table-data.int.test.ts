import { MemoryArtifactStore } from "@tablesnap/artifacts";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Sql } from "./connect.ts";
import { DumpAbortedError, TableStalledError } from "./errors.ts";
import { type OpenSnapshot, openSnapshot } from "./snapshot.ts";
import { dumpTableData } from "./table-data.ts";

describe("dumpTableData", () => {
  let db: ScratchDatabase;
  let sql: Sql;
  let snap: OpenSnapshot;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_tdata");
    await db.sql.unsafe(`create table t (id int primary key);
      insert into t select generate_series(1, 1000);
      create table big (id int primary key, pad text);
      insert into big select g, repeat('x', 100) from generate_series(1, 400000) g;`);
    sql = (await connect(db.url, 3)).sql;
    snap = await openSnapshot(sql, { include: [], exclude: [] });
  });
  afterAll(async () => {
    await snap?.close();
    await sql?.end();
    await db?.drop();
  });

  const copy = (store: MemoryArtifactStore, signal: AbortSignal) => {
    const table = snap.info.tables.find((t) => t.name === "t");
    if (!table) throw new Error("t is not in the snapshot");
    return dumpTableData({
      ...{ sql, snapshotId: snap.info.id, table, store, folder: "public/tables/t" },
      ...{ maxBytes: 1 << 30, trailer: "", signal },
    });
  };

  it("copies the table's rows in the snapshot", async () => {
    const store = new MemoryArtifactStore();
    const r = await copy(store, new AbortController().signal);
    expect(r.rows).toBe(1000);
    expect(await store.list()).toEqual(["public/tables/t/data.sql"]);
  });

  it("stops before sending the COPY when already stopping, and leaves its connection usable", async () => {
    // postgres.js hangs a transaction whose unsent query is cancelled: this copy never returned.
    const stopped = AbortSignal.abort();
    const store = new MemoryArtifactStore();
    const hung = new Promise((r) => setTimeout(() => r("hung"), 10_000).unref());
    const outcome = await Promise.race([copy(store, stopped).catch((e: unknown) => e), hung]);
    expect(outcome).toBeInstanceOf(DumpAbortedError);
    expect(await store.list()).toEqual([]);
    // Every connection of the pool (3) is free again: three transactions run side by side.
    const busy = await Promise.all(
      [1, 2, 3].map(() => sql.begin((tx) => tx`select count(*)::int as n from pg_stat_activity`)),
    );
    expect(busy).toHaveLength(3);
    const idle = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state = 'idle in transaction'`;
    // Only the snapshot's own transaction is open.
    expect(idle[0]?.n).toBe(1);
  });

  it("fails a copy whose server stopped sending, naming the table, within its bound", async () => {
    const table = snap.info.tables.find((t) => t.name === "big");
    if (!table) throw new Error("big is not in the snapshot");
    const frozen: number[] = [];
    const store = new MemoryArtifactStore();
    // The first write freezes the server process sending the rows (SIGSTOP), as a server or a
    // network that stops answering would; what is already in the socket still arrives.
    const openWriter = store.openWriter.bind(store);
    store.openWriter = async (path) => {
      const w = await openWriter(path);
      const write = w.write.bind(w);
      w.write = async (chunk) => {
        if (frozen.length === 0) {
          const rows = await db.sql<{ pid: number }[]>`
            select pid from pg_stat_activity where query like 'COPY (SELECT%big%'`;
          for (const r of rows) {
            process.kill(r.pid, "SIGSTOP");
            frozen.push(r.pid);
          }
        }
        return write(chunk);
      };
      return w;
    };
    const started = Date.now();
    try {
      const outcome = await Promise.race([
        dumpTableData({
          ...{ sql, snapshotId: snap.info.id, table, store, folder: "public/tables/big" },
          ...{ maxBytes: 1 << 30, trailer: "", signal: new AbortController().signal },
          stallMs: 1500,
        }).catch((e: unknown) => e),
        new Promise((r) => setTimeout(() => r("hung"), 20_000).unref()),
      ]);
      expect(frozen).toHaveLength(1);
      expect(outcome).toBeInstanceOf(TableStalledError);
      expect((outcome as Error).message).toMatch(/public\.big made no progress for 2 s/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const pid of frozen) process.kill(pid, "SIGCONT");
    }
  });
});
