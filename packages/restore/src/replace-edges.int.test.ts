import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serializeManifest } from "@tablesnap/core";
import { runBackup } from "@tablesnap/dump";
import type { ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Backup,
  backupToFolder,
  restoreOptions,
  scratchDatabases,
  tableContents,
} from "../test/helpers.ts";
import { ForeignKeyError, restoreBackup, runDrill } from "./index.ts";

const SOURCE = `
  create table public.parent_ref (id int primary key);
  insert into public.parent_ref values (1), (2);
  create table public.m (id int, ref int references public.parent_ref, primary key (id)) partition by range (id);
  create table public.m1 partition of public.m for values from (0) to (100);
  insert into public.m values (1, 1), (2, 2);
  create table public.pp (id int primary key) partition by range (id);
  create table public.pp1 partition of public.pp for values from (0) to (100);
  insert into public.pp values (1), (2);
  create table public.child (id int primary key, pp_id int references public.pp);
  insert into public.child values (1, 1);
  create table public.cars (id int primary key, name text);
  insert into public.cars values (1, 'a'), (2, 'b');
  create schema auth;
  create table auth.users (id int primary key, email text);
  insert into auth.users values (1, 'a@x'), (2, 'b@x');
  create table public.big (id int primary key, pad text);
  insert into public.big select g, repeat('y', 100) from generate_series(1, 5000) g;`;

describe("replacing rows where keys, snapshots and platforms are involved", () => {
  const dbs = scratchDatabases();
  let backup: Backup;
  let target: ScratchDatabase;

  beforeAll(async () => {
    const source = await dbs.create("tsnap_re_src");
    await source.sql.unsafe(SOURCE);
    backup = await backupToFolder(source.url);
    target = await dbs.create("tsnap_re_dst");
    await restoreBackup(restoreOptions(backup, target.url, { supabase: false }));
  });
  afterAll(async () => {
    await dbs.dropAll();
    await backup?.remove();
  });

  it("refuses a partition whose rows break a key declared on its partitioned table", async () => {
    await target.sql.unsafe(
      "delete from public.m where id = 2; delete from public.parent_ref where id = 2",
    );
    const before = await tableContents(target.sql);
    const run = restoreBackup(restoreOptions(backup, target.url, { tables: ["public.m1"] }));
    await expect(run).rejects.toThrow(ForeignKeyError);
    await expect(run).rejects.toThrow(
      /public\.m .*1 row\(s\) refer to rows missing from public\.parent_ref/,
    );
    expect(await tableContents(target.sql)).toEqual(before);
  });

  it("refuses a partition of a referenced partitioned table that would leave other rows dangling", async () => {
    await target.sql.unsafe(
      "insert into public.pp values (3); insert into public.child values (3, 3)",
    );
    const before = await tableContents(target.sql);
    const run = restoreBackup(restoreOptions(backup, target.url, { tables: ["public.pp1"] }));
    await expect(run).rejects.toThrow(
      /public\.child .*1 row\(s\) refer to rows missing from public\.pp/,
    );
    expect(await tableContents(target.sql)).toEqual(before);
  });

  it("keeps the old rows visible to a REPEATABLE READ snapshot taken before the replace", async () => {
    await target.sql.unsafe("update public.cars set name = 'changed'");
    const reader = await target.sql.reserve();
    try {
      // The snapshot is taken by the first query; it must not touch public.cars, or its lock
      // would make the restore wait for this transaction.
      await reader.unsafe("begin isolation level repeatable read");
      await reader.unsafe("select count(*) from public.parent_ref");
      await restoreBackup(restoreOptions(backup, target.url, { tables: ["public.cars"] }));
      // TRUNCATE would show this older snapshot an empty table; DELETE shows it the old rows.
      expect(await reader.unsafe("select name from public.cars order by id")).toEqual([
        { name: "changed" },
        { name: "changed" },
      ]);
      await reader.unsafe("commit");
    } finally {
      reader.release();
    }
    expect(await target.sql`select name from public.cars order by id`).toEqual([
      { name: "a" },
      { name: "b" },
    ]);
  });

  it("replaces a Supabase platform table's rows under --table, the same twice", async () => {
    await target.sql.unsafe("update auth.users set email = 'changed' where id = 1");
    for (let i = 0; i < 2; i++) {
      const r = await restoreBackup(
        restoreOptions(backup, target.url, { tables: ["auth.users"], supabase: true }),
      );
      expect(r.tables.map((t) => t.mode)).toEqual(["replace"]);
      expect(await target.sql`select id, email from auth.users order by id`).toEqual([
        { id: 1, email: "a@x" },
        { id: 2, email: "b@x" },
      ]);
    }
  });

  it("drills a backup split at a size other than the default", async () => {
    const source = await dbs.create("tsnap_re_split");
    await source.sql.unsafe(SOURCE);
    const dir = `${backup.dir}-split`;
    const { FsArtifactStore } = await import("@tablesnap/artifacts");
    const store = new FsArtifactStore(dir);
    const manifest = await runBackup({
      databaseUrl: source.url,
      store,
      backupId: "test-split",
      triggers: [{ source: "local", event: "manual", ref: "split" }],
      jobs: 2,
      includeSchemas: [],
      excludeSchemas: [],
      customDump: false,
      maxFileBytes: 100_000,
      signal: new AbortController().signal,
    });
    await writeFile(join(dir, "manifest.json"), serializeManifest(manifest));
    const big = manifest.tables.find((t) => t.name === "big");
    expect(big?.files.length).toBeGreaterThan(3);
    const admin = new URL(source.url);
    admin.pathname = "/postgres";
    const report = await runDrill({
      reader: store,
      scratchUrl: admin.toString(),
      schemas: [],
      tables: [],
      jobs: 2,
      roles: false,
      keep: false,
      signal: new AbortController().signal,
    });
    expect(report.tables.filter((t) => !t.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    const { rm } = await import("node:fs/promises");
    await rm(dir, { recursive: true, force: true });
  });
});
