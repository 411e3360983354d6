import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  copyBackup,
  replaceOnce,
  rewriteChecked,
  scratchDatabases,
  tableContents,
  userObjects,
} from "@tablesnap/restore/testing";
import { loadHardCases, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tablesnap } from "./cli.ts";

const INDEX = "CREATE INDEX big_table_category_idx ON public.big_table USING btree (category);";
const BROKEN_INDEX = INDEX.replace("(category)", "(categoryz)");

describe("tablesnap restore that cannot complete", () => {
  const dbs = scratchDatabases();
  const temp: string[] = [];
  let folder: string;

  beforeAll(async () => {
    const source = await dbs.create("tsnap_cf_src");
    await loadHardCases(source.url);
    const repo = join(await mkdtemp(join(tmpdir(), "tsnap-cf-")), "repo");
    temp.push(dirname(repo));
    const args = ["backup", "--database-url", source.url, "--repo", repo];
    const r = await tablesnap([...args, "--quiet", "--no-custom-dump"]);
    expect(r.code, r.stderr).toBe(0);
    folder = join(repo, "backups/latest/latest");
  });
  afterAll(async () => {
    await dbs.dropAll();
    await Promise.all(temp.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function changedCopy(): Promise<string> {
    const dir = await copyBackup(folder);
    temp.push(dirname(dir));
    return dir;
  }

  const restoreFrom = (dir: string, url: string, ...extra: string[]) =>
    tablesnap(["restore", "--from", dir, "--database-url", url, ...extra]);

  /** Restores `dir` into a new empty database; returns the run and the database. */
  async function restoreInto(dir: string, ...extra: string[]) {
    const target = await dbs.create("tsnap_cf_t");
    return { r: await restoreFrom(dir, target.url, ...extra), target };
  }

  it("refuses a data file with one byte changed, naming it; nothing is written", async () => {
    const dir = await changedCopy();
    const path = "public/tables/big_table/data.sql";
    const bytes = await readFile(join(dir, path));
    bytes[bytes.indexOf("row 1")] = "R".charCodeAt(0);
    await writeFile(join(dir, path), bytes);
    const { r, target } = await restoreInto(dir, "--quiet");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tablesnap: error: the backup fails its checks, nothing was written:\n {2}public\/tables\/big_table\/data\.sql: sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}\n$/,
    );
    expect(await userObjects(target.sql)).toEqual([]);
  });

  it("refuses a missing data file and a changed schema.sql, naming each; nothing is written", async () => {
    const missing = await changedCopy();
    await rm(join(missing, "app/tables/orders/data.sql"));
    const a = await restoreInto(missing, "--quiet");
    expect(a.r.code).toBe(1);
    expect(a.r.stderr).toContain("\n  app/tables/orders/data.sql: missing\n");
    expect(await userObjects(a.target.sql)).toEqual([]);

    const changed = await changedCopy();
    await appendFile(join(changed, "app/schema.sql"), "DROP TABLE app.orders;\n");
    const b = await restoreInto(changed, "--quiet");
    expect(b.r.code).toBe(1);
    expect(b.r.stderr).toMatch(/\n {2}app\/schema\.sql: \d+ bytes, manifest says \d+\n$/);
    expect(await userObjects(b.target.sql)).toEqual([]);
  });

  it("rolls back everything when a statement of post-data fails, naming file, statement and the server's message", async () => {
    const dir = await changedCopy();
    await rewriteChecked(dir, "public/tables/big_table/schema.sql", (t) =>
      replaceOnce(t, INDEX, BROKEN_INDEX),
    );
    const { r, target } = await restoreInto(dir, "--quiet");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `tablesnap: error: public/tables/big_table/schema.sql: column "categoryz" does not exist\n  in: ${BROKEN_INDEX}\n  the transaction was rolled back: the target is as it was\n`,
    );
    expect(await userObjects(target.sql)).toEqual([]);
  });

  it("--jobs 2: drops what it created when post-data fails", async () => {
    const dir = await changedCopy();
    await rewriteChecked(dir, "public/tables/big_table/schema.sql", (t) =>
      replaceOnce(t, INDEX, BROKEN_INDEX),
    );
    const { r, target } = await restoreInto(dir, "--quiet", "--jobs", "2");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `tablesnap: error: public/tables/big_table/schema.sql: column "categoryz" does not exist\n  in: ${BROKEN_INDEX}\n  the schemas, extensions, relations, routines and types the restore had created were dropped; collations, text search configurations, operators, casts, comments on schemas that were already there and roles created by --roles may remain: recreate the database before trying again\n`,
    );
    expect(await userObjects(target.sql)).toEqual([]);
  });

  it("--jobs 2: drops what it created when the server refuses a row of one table", async () => {
    const dir = await changedCopy();
    await rewriteChecked(dir, "app/tables/all_types/data.sql", (t) =>
      replaceOnce(t, "\n7\t7\t7\t", "\n7\tseven\t7\t"),
    );
    const { r, target } = await restoreInto(dir, "--quiet", "--jobs", "2");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tablesnap: error: app\/tables\/all_types\/data\.sql: invalid input syntax for type smallint \(column c_smallint, line \d+ of the data\); the values are left out: they are row data\n {2}in: COPY app\.all_types \(id, c_smallint, .*\n {2}the schemas, extensions, relations, routines and types the restore had created were dropped; collations, text search configurations, operators, casts, comments on schemas that were already there and roles created by --roles may remain: recreate the database before trying again\n$/,
    );
    expect(await userObjects(target.sql)).toEqual([]);
  });

  describe("into a database restored from the same backup", () => {
    let target: ScratchDatabase;

    beforeAll(async () => {
      target = await dbs.create("tsnap_cf_copy");
      const r = await restoreFrom(folder, target.url, "--quiet");
      expect(r.code, r.stderr).toBe(0);
    });

    it("refuses rows of a parent table that would leave a child's rows without their keys; nothing changes", async () => {
      await target.sql`insert into public.customers (id, name) values (100, 'only in the target')`;
      await target.sql`insert into app.orders (id, customer_id, placed_at) values (100, 100, now())`;
      const before = await tableContents(target.sql);
      const r = await restoreFrom(folder, target.url, "--table", "public.customers", "--quiet");
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        "tablesnap: error: foreign keys would be broken, so nothing was changed:\n  app.orders orders_customer_fk: 1 row(s) refer to rows missing from public.customers\n",
      );
      expect(await tableContents(target.sql)).toEqual(before);
    });

    it("reports a COPY the server refuses part-way (a NOT VALID check the source's rows break) and rolls back", async () => {
      // The source kept a row that breaks its NOT VALID check; replacing rows sends it again.
      const before = await tableContents(target.sql);
      const r = await restoreFrom(folder, target.url, "--table", "app.legacy_imports", "--quiet");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'app/tables/legacy_imports/data.sql: new row for relation "legacy_imports" violates check constraint "legacy_imports_qty_check"',
      );
      expect(await tableContents(target.sql)).toEqual(before);
    });
  });
});
