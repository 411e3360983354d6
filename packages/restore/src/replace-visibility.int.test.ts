import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { FsArtifactStore } from "@tablesnap/artifacts";
import { connect } from "@tablesnap/dump";
import type { ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyBackup, replaceOnce, rewriteChecked } from "../test/backup-files.ts";
import { type Backup, backupToFolder, restoreOptions, scratchDatabases } from "../test/helpers.ts";
import { RestoreSqlError, restoreBackup } from "./index.ts";

const NEW_ROWS = 300_000;
const OLD_ROWS = 250_000;

describe("replacing the rows of a table other sessions are reading", () => {
  const dbs = scratchDatabases();
  let backup: Backup;
  let target: ScratchDatabase;

  beforeAll(async () => {
    const source = await dbs.create("tsnap_rv_src");
    await source.sql`create table public.ledger (id int primary key, payload text not null)`;
    await source.sql`insert into public.ledger
      select g, repeat(md5(g::text), 3) from generate_series(1, ${NEW_ROWS}) g`;
    backup = await backupToFolder(source.url);
    target = await dbs.create("tsnap_rv_target");
    await restoreBackup(restoreOptions(backup, target.url));
    await target.sql`delete from public.ledger where id > ${OLD_ROWS}`;
  });
  afterAll(async () => {
    await dbs.dropAll();
    await backup?.remove();
  });

  it("shows them the old rows or the new ones, never an empty or half-loaded table", async () => {
    const reader = await connect(target.url, 1);
    try {
      const [me] = await reader.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
      let done = false;
      const restore = restoreBackup(
        restoreOptions(backup, target.url, { tables: ["public.ledger"] }),
      ).finally(() => {
        done = true;
      });
      const counts: number[] = [];
      const read = async () => {
        while (!done) {
          const [r] = await reader.sql<
            { n: number }[]
          >`select count(*)::int as n from public.ledger`;
          counts.push(r?.n ?? -1);
        }
      };
      // Proof that the reads overlapped the replacement: one of them had to wait for its lock.
      let waited = false;
      const watch = async () => {
        while (!done) {
          const [a] = await target.sql<{ wait: string | null }[]>`
            select wait_event_type as wait from pg_stat_activity where pid = ${me?.pid ?? 0}`;
          if (a?.wait === "Lock") waited = true;
        }
      };
      const [report] = await Promise.all([restore, read(), watch()]);
      expect(report.tables).toEqual([
        expect.objectContaining({ name: "ledger", mode: "replace", rows: NEW_ROWS }),
      ]);
      expect(waited).toBe(true);
      expect(counts.length).toBeGreaterThan(1);
      expect(counts.filter((n) => n !== OLD_ROWS && n !== NEW_ROWS)).toEqual([]);
      const [after] = await reader.sql<
        { n: number }[]
      >`select count(*)::int as n from public.ledger`;
      expect(after?.n).toBe(NEW_ROWS);
    } finally {
      await reader.sql.end({ timeout: 5 });
    }
  });

  it("fails on a row the server refuses early in a large file, keeping the rows the table had", async () => {
    const dir = await copyBackup(backup.dir);
    try {
      await rewriteChecked(dir, "public/tables/ledger/data.sql", (t) =>
        replaceOnce(t, "\n10\t", "\nten\t"),
      );
      const broken = { ...backup, dir, reader: new FsArtifactStore(dir) };
      const failed = await restoreBackup(
        restoreOptions(broken, target.url, { tables: ["public.ledger"] }),
      ).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(RestoreSqlError);
      expect(failed).toMatchObject({
        file: "public/tables/ledger/data.sql",
        statement: "COPY public.ledger (id, payload) FROM stdin;",
        serverMessage:
          "invalid input syntax for type integer (column id, line 10 of the data); the values are left out: they are row data",
      });
      const [after] = await target.sql<
        { n: number }[]
      >`select count(*)::int as n from public.ledger`;
      expect(after?.n).toBe(NEW_ROWS);
    } finally {
      await rm(dirname(dir), { recursive: true, force: true });
    }
  });
});
