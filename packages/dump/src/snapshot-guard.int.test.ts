import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CONNECT = fileURLToPath(new URL("./connect.ts", import.meta.url));
const SNAPSHOT = fileURLToPath(new URL("./snapshot.ts", import.meta.url));

/** A holder in its own process: opens the snapshot (idle bound `seconds`) and waits. */
function holder(url: string, seconds: number): ChildProcess {
  const script = `
    const { connect } = await import(${JSON.stringify(CONNECT)});
    const { openSnapshot } = await import(${JSON.stringify(SNAPSHOT)});
    const { sql } = await connect(${JSON.stringify(url)}, 2);
    await openSnapshot(sql, { include: [], exclude: [] }, ${seconds});
    console.log("ready");
    setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
}

describe("the snapshot's transaction never outlives a holder that went silent", () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_guard");
    await db.sql.unsafe("create table t (id int primary key); insert into t values (1)");
  });
  afterAll(() => db?.drop());

  /** Sessions holding a lock on t, other than ours. */
  const lockers = async () => {
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_locks l where l.relation = 't'::regclass
        and l.pid <> pg_backend_pid()`;
    return row?.n ?? 0;
  };

  it("keeps the locks while the holder lives, and the server drops them once it is frozen", async () => {
    const child = holder(db.url, 2);
    try {
      const [line] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
      expect(line.toString()).toContain("ready");
      // Alive: the holder touches its transaction every half second, so it outlives the 2 s
      // bound. Polled until the transaction is past it (or the deadline), still holding its lock.
      const past = async () => {
        const [row] = await db.sql<{ age: number }[]>`
          select coalesce(max(extract(epoch from now() - a.xact_start)), 0)::float as age
          from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.relation = 't'::regclass and l.pid <> pg_backend_pid()`;
        return row?.age ?? 0;
      };
      const alive = Date.now() + 15_000;
      while ((await past()) < 3 && Date.now() < alive) await new Promise((r) => setTimeout(r, 200));
      expect(await past()).toBeGreaterThanOrEqual(3);
      expect(await lockers()).toBe(1);
      child.kill("SIGSTOP");
      const deadline = Date.now() + 15_000;
      while ((await lockers()) > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(await lockers()).toBe(0);
      // An ALTER TABLE no longer waits behind the backup.
      await db.sql.unsafe("set lock_timeout = '2s'; alter table t add column note text");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
