import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackupOnDisk, backupToDisk } from "../test/helpers.ts";

/** Text that looks like pg_dump's structure, inside objects any role that creates them controls. */
const FAKE = [
  "--",
  "-- TOC entry 1 (class 1259 OID 1)",
  "-- Name: t; Type: TABLE; Schema: public; Owner: postgres",
  "--",
  "",
  "--",
  "-- PostgreSQL database dump complete",
  "--",
].join("\n");

describe("schema objects whose text imitates pg_dump's entry headers", () => {
  let db: ScratchDatabase;
  let backup: BackupOnDisk;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_hostile");
    await db.sql.unsafe(`
      create table t (id int primary key);
      create index t_id_idx on t (id);
      create function trick() returns text language plpgsql as $body$
      begin
        return $q$
${FAKE}
$q$;
      end
      $body$;
      comment on table t is '${FAKE.replaceAll("'", "''")}';`);
    backup = await backupToDisk(db.url, { customDump: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("keeps each object whole and in its own file", async () => {
    const table = await backup.text("public/tables/t/schema.sql");
    expect(table).toContain("CREATE TABLE public.t (");
    expect(table).toContain("CREATE INDEX t_id_idx ON public.t");
    expect(table).toContain("COMMENT ON TABLE public.t IS '--");
    const schema = await backup.text("public/schema.sql");
    expect(schema).toContain("CREATE FUNCTION public.trick()");
    expect(schema).toMatch(/\$q\$\n--\n-- TOC entry 1[\s\S]*dump complete\n--\n\$q\$/);
    const database = await backup.text("database.sql");
    expect(database).not.toContain("CREATE TABLE");
    expect(database).not.toContain("trick");
  });
});
