import { loadHardCases, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Backup,
  backupToFolder,
  matviewStates,
  restoreOptions,
  schemaOnly,
  scratchDatabases,
  sequenceStates,
  type TableContents,
  tableContents,
  userObjects,
} from "../test/helpers.ts";
import { restoreBackup } from "./index.ts";

describe("whole restore of the hard-cases database", () => {
  const dbs = scratchDatabases();
  let source: ScratchDatabase;
  let backup: Backup;
  let rows: Record<string, TableContents>;
  let schema: string;
  let sequences: Record<string, string>;

  beforeAll(async () => {
    source = await dbs.create("tsnap_rs_src");
    await loadHardCases(source.url);
    backup = await backupToFolder(source.url);
    rows = await tableContents(source.sql);
    schema = await schemaOnly(source.url);
    sequences = await sequenceStates(source.sql);
  });
  afterAll(async () => {
    await dbs.dropAll();
    await backup?.remove();
  });

  it("reads the source the way the comparisons below need", () => {
    // Every table but the two partitioned parents holds rows of its own.
    const leaves = backup.manifest.tables.filter((t) => t.kind !== "partitioned");
    expect(Object.keys(rows)).toHaveLength(leaves.length);
    expect(leaves.length).toBe(47);
    expect(rows["app.orders"]?.rows).toBe(5);
    expect(rows["public.big_table"]?.rows).toBe(5000);
    expect(Object.keys(sequences).length).toBeGreaterThanOrEqual(8);
    expect(schema).toContain("CREATE MATERIALIZED VIEW app.unpopulated_stats");
  });

  it("restores into an empty database in one transaction: rows, schema, sequences and materialized views equal the source", async () => {
    const target = await dbs.create("tsnap_rs_whole");
    const report = await restoreBackup(restoreOptions(backup, target.url));
    expect(report).toMatchObject({ whole: true, dryRun: false, transactions: 1, supabase: false });
    expect(report.tables).toHaveLength(49);
    expect(report.tables.every((t) => t.mode === "create")).toBe(true);
    expect(report.refreshed).toEqual(["app.customer_stats"]);
    expect(report.notRestored).toEqual([]);

    expect(await tableContents(target.sql)).toEqual(rows);
    expect(await schemaOnly(target.url)).toBe(schema);
    expect(await sequenceStates(target.sql)).toEqual(sequences);
    expect(await matviewStates(target.sql)).toEqual({
      "app.customer_stats": true,
      "app.unpopulated_stats": false,
    });
    // The triggers did not fire while loading: revisions and the audit log are the source's.
    const [orders] = await target.sql<{ revisions: number[] }[]>`
      select array_agg(revision order by id) as revisions from app.orders`;
    expect(orders?.revisions).toEqual([3, 2, 1, 1, 1]);
  });

  it("restores with --jobs 2 (a transaction per table) to the same rows, schema and sequences", async () => {
    const target = await dbs.create("tsnap_rs_jobs");
    const report = await restoreBackup(restoreOptions(backup, target.url, { jobs: 2 }));
    expect(report).toMatchObject({ whole: true, jobs: 2 });
    // The schema, each of the 47 tables with rows of their own, then post-data.
    expect(report.transactions).toBe(1 + 47 + 1);
    expect(await tableContents(target.sql)).toEqual(rows);
    expect(await schemaOnly(target.url)).toBe(schema);
    expect(await sequenceStates(target.sql)).toEqual(sequences);
    expect(await matviewStates(target.sql)).toEqual({
      "app.customer_stats": true,
      "app.unpopulated_stats": false,
    });
  });

  it("a dry run reads and checks everything, plans every step, and writes nothing", async () => {
    const target = await dbs.create("tsnap_rs_dry");
    const report = await restoreBackup(restoreOptions(backup, target.url, { dryRun: true }));
    expect(report).toMatchObject({ dryRun: true, transactions: 0 });
    expect(report.order).toContain("pre-data   EXTENSION citext  (extensions/schema.sql)");
    expect(report.order).toContain("data      create app.orders: 5 rows in 1 file(s)");
    expect(report.order.at(-1)).toBe("refresh   app.customer_stats");
    expect(await userObjects(target.sql)).toEqual([]);
  });
});
