import { randomBytes } from "node:crypto";
import { adminUrl, createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupToDisk } from "../test/helpers.ts";

describe("sequences of partitioned tables, and tables readable only by column", () => {
  let db: ScratchDatabase;
  const role = `tsnap_col_${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_priv");
    await db.sql.unsafe(`
      create table parted (id serial, d date not null) partition by range (d);
      create table parted_2024 partition of parted for values from ('2024-01-01') to ('2025-01-01');
      insert into parted (d) select date '2024-01-01' + (g % 300) from generate_series(1, 150) g;
      create table open_table (id int primary key);
      create table colonly (id int primary key, secret text);
      insert into colonly values (1, 'x');
      create role ${role} login;
      grant usage on schema public to ${role};
      grant select on open_table, parted, parted_2024 to ${role};
      grant select, usage on all sequences in schema public to ${role};
      grant select (id) on colonly to ${role};`);
  });
  afterAll(async () => {
    await db?.drop();
    // Roles belong to the server, not the database: drop it too.
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop role if exists ${role}`).finally(() => admin.end());
  });

  it("writes the value of a partitioned table's sequence, which has no data file, to sequences.sql", async () => {
    const b = await backupToDisk(db.url, { customDump: false });
    expect(await b.text("public/sequences.sql")).toContain(
      "SELECT pg_catalog.setval('public.parted_id_seq', 150, true);",
    );
    const parent = b.manifest.tables.find((t) => t.name === "parted");
    expect(parent?.sequences).toEqual([{ name: "parted_id_seq", value: "150", is_called: true }]);
  });

  it("skips a table the role can read only some columns of, and backs up the rest (partial)", async () => {
    const url = new URL(db.url);
    url.username = role;
    const b = await backupToDisk(url.toString(), { customDump: false });
    expect(b.manifest.status).toBe("partial");
    expect(b.manifest.skipped).toEqual([
      {
        object: "table public.colonly",
        reason: expect.stringMatching(/permission denied for table colonly/),
      },
    ]);
    expect(b.manifest.tables.map((t) => t.name)).toEqual(["open_table", "parted", "parted_2024"]);
  });
});
