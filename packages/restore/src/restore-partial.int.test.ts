import { loadHardCases, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Backup,
  backupToFolder,
  only,
  restoreOptions,
  schemaOnly,
  scratchDatabases,
  sortedEntries,
  type TableContents,
  tableContents,
  userObjects,
} from "../test/helpers.ts";
import { ForeignKeyError, RestoreSqlError, restoreBackup } from "./index.ts";

describe("restoring one schema or one table of the hard-cases database", () => {
  const dbs = scratchDatabases();
  let source: ScratchDatabase;
  let backup: Backup;
  let rows: Record<string, TableContents>;
  /** A whole restore of the backup, changed by each test as it needs, shared in order. */
  let copy: ScratchDatabase;

  beforeAll(async () => {
    source = await dbs.create("tsnap_rp_src");
    await loadHardCases(source.url);
    backup = await backupToFolder(source.url);
    rows = await tableContents(source.sql);
    copy = await dbs.create("tsnap_rp_copy");
    await restoreBackup(restoreOptions(backup, copy.url));
  });
  afterAll(async () => {
    await dbs.dropAll();
    await backup?.remove();
  });

  it("--schema public into an empty database: public's tables and objects, equal to the source, and nothing else", async () => {
    const target = await dbs.create("tsnap_rp_public");
    const report = await restoreBackup(restoreOptions(backup, target.url, { schemas: ["public"] }));
    expect(report.whole).toBe(false);
    expect(report.tables.map((t) => t.schema)).toEqual(Array(22).fill("public"));
    expect(await tableContents(target.sql)).toEqual(only(rows, "public."));
    const publicOnly = ["--schema", "public"];
    expect(sortedEntries(await schemaOnly(target.url, ...publicOnly))).toEqual(
      sortedEntries(await schemaOnly(source.url, ...publicOnly)),
    );
    const outside = (await userObjects(target.sql)).filter((o) => !/^\S+ public\./.test(o));
    expect(outside).toEqual([]);
  });

  it("--schema app alone cannot restore into an empty database: it brings extension citext, but a view needs a table of public; rolled back", async () => {
    // app uses a type of `extensions`, a trigger function of `audit` and a table of `public`;
    // no schema of the fixture but public, données and public.v1 stands on its own. Types,
    // functions and extensions come along; other tables (and their rows) never do.
    const target = await dbs.create("tsnap_rp_app");
    const failed = await restoreBackup(restoreOptions(backup, target.url, { schemas: ["app"] }))
      .then(() => null)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RestoreSqlError);
    expect(failed).toMatchObject({
      file: "app/schema.sql",
      serverMessage: 'relation "public.customers" does not exist',
    });
    expect(await userObjects(target.sql)).toEqual([]);
  });

  it("--table into an empty database creates the table and its schema (owner, grants, comment), with the source's rows", async () => {
    const target = await dbs.create("tsnap_rp_table");
    const report = await restoreBackup(
      restoreOptions(backup, target.url, { tables: ["app.nasty_text"] }),
    );
    expect(report.tables).toEqual([
      expect.objectContaining({ schema: "app", name: "nasty_text", mode: "create", rows: 27 }),
    ]);
    expect(await tableContents(target.sql)).toEqual(only(rows, "app.nasty_text"));
    expect(await userObjects(target.sql)).toEqual([
      "i app.nasty_text_pkey",
      "r app.nasty_text",
      "schema app",
    ]);
    expect(report.dependencies).toEqual(["SCHEMA app"]);
    const schemaFacts = (sql: typeof target.sql) => sql<
      { acl: string | null; comment: string | null }[]
    >`
      select nspacl::text as acl, obj_description(oid, 'pg_namespace') as comment
      from pg_namespace where nspname = 'app'`;
    expect(await schemaFacts(target.sql)).toEqual(await schemaFacts(source.sql));
  });

  it("--table --no-deps into an empty database creates only the table, in a bare schema", async () => {
    const target = await dbs.create("tsnap_rp_nodeps");
    const report = await restoreBackup(
      restoreOptions(backup, target.url, { tables: ["app.nasty_text"], dependencies: false }),
    );
    expect(report.dependencies).toEqual([]);
    expect(await tableContents(target.sql)).toEqual(only(rows, "app.nasty_text"));
    const [app] = await target.sql<{ acl: string | null; comment: string | null }[]>`
      select nspacl::text as acl, obj_description(oid, 'pg_namespace') as comment
      from pg_namespace where nspname = 'app'`;
    expect(app).toEqual({ acl: null, comment: null });
  });

  it("--table into a database that has the table with other rows replaces them; twice gives the same", async () => {
    await copy.sql.begin(async (tx) => {
      await tx`update app.orders set note = 'changed', total = total + 1 where id = 1`;
      await tx`delete from app.orders where id = 4`;
      await tx`insert into app.orders (id, customer_id, placed_at) values (99, 2, now())`;
    });
    const before = await tableContents(copy.sql);
    expect(before["app.orders"]).not.toEqual(rows["app.orders"]);
    for (let i = 0; i < 2; i++) {
      const report = await restoreBackup(
        restoreOptions(backup, copy.url, { tables: ["app.orders"] }),
      );
      expect(report.tables).toEqual([
        expect.objectContaining({ schema: "app", name: "orders", mode: "replace", rows: 5 }),
      ]);
      // app.orders equals the source; nothing else moved (its triggers did not fire, its
      // children's ON DELETE CASCADE did not run).
      expect(await tableContents(copy.sql)).toEqual({
        ...before,
        "app.orders": rows["app.orders"],
      });
    }
  });

  it("--table of a partitioned table replaces the rows of all its partitions", async () => {
    await copy.sql`delete from public.measurements where id in (1, 3, 5)`;
    await copy.sql`insert into public.measurements values (7, '2024-02-02', 'x', 1)`;
    const report = await restoreBackup(
      restoreOptions(backup, copy.url, { tables: ["public.measurements"] }),
    );
    expect(report.tables.map((t) => `${t.name} ${t.mode}`)).toEqual([
      "measurements replace",
      "measurements_2024_h1 replace",
      "measurements_2024_h2 replace",
      "measurements_default replace",
    ]);
    expect(only(await tableContents(copy.sql), "public.measurements")).toEqual(
      only(rows, "public.measurements"),
    );
  });

  it("keeps the source's rows that break a NOT VALID foreign key, and refuses new ones", async () => {
    // app.legacy_imports row 2 refers to customer 999 under a NOT VALID key, in the source too.
    const same = await restoreBackup(
      restoreOptions(backup, copy.url, { tables: ["public.customers"] }),
    );
    expect(same.tables).toEqual([expect.objectContaining({ name: "customers", mode: "replace" })]);
    expect((await tableContents(copy.sql))["public.customers"]).toEqual(rows["public.customers"]);

    await copy.sql`insert into public.customers (id, name) values (100, 'only in the target')`;
    await copy.sql`insert into app.legacy_imports values (4, 1, 100)`;
    const before = await tableContents(copy.sql);
    const failed = await restoreBackup(
      restoreOptions(backup, copy.url, { tables: ["public.customers"] }),
    )
      .then(() => null)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ForeignKeyError);
    expect((failed as Error).message).toContain(
      "app.legacy_imports legacy_imports_customer_fk: 2 row(s) refer to rows missing from public.customers",
    );
    expect(await tableContents(copy.sql)).toEqual(before);
  });
});
