import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { RestoreReport } from "@tablesnap/restore";
import { scratchDatabases, userObjects } from "@tablesnap/restore/testing";
import { adminUrl, psql } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tablesnap } from "./cli.ts";

describe("tablesnap restore given what it cannot use", () => {
  const dbs = scratchDatabases();
  const temp: string[] = [];
  /** Roles live on the whole server: the one the source needs, and any a restore created. */
  const owner = `tsnap_owner_${randomBytes(4).toString("hex")}`;
  const roles = new Set<string>([owner]);
  let folder: string;
  let backupId: string;

  beforeAll(async () => {
    const source = await dbs.create("tsnap_cb_src");
    await psql(adminUrl(), { command: `CREATE ROLE ${owner} NOLOGIN` });
    await source.sql.unsafe(`create table public.owned (id int primary key, v text);
      insert into public.owned values (1, 'one'), (2, 'two');
      alter table public.owned owner to ${owner}`);
    const repo = join(await mkdtemp(join(tmpdir(), "tsnap-cb-")), "repo");
    temp.push(dirname(repo));
    const args = ["backup", "--database-url", source.url, "--repo", repo];
    const r = await tablesnap([...args, "--quiet", "--no-custom-dump", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    backupId = (JSON.parse(r.stdout) as { manifest: { backup_id: string } }).manifest.backup_id;
    folder = join(repo, "backups/latest/latest");
    // The role goes, as it would on a new server; the backup keeps it in roles.sql.
    await dbs.dropAll();
    await psql(adminUrl(), { command: `DROP ROLE ${owner}` });
  });
  afterAll(async () => {
    await dbs.dropAll();
    for (const role of roles) await psql(adminUrl(), { command: `DROP ROLE IF EXISTS "${role}"` });
    await Promise.all(temp.map((d) => rm(d, { recursive: true, force: true })));
  });

  const restore = (url: string, ...extra: string[]) =>
    tablesnap(["restore", "--from", folder, "--database-url", url, "--quiet", ...extra]);

  it("refuses a whole restore into a database that is not empty, naming what is there", async () => {
    const target = await dbs.create("tsnap_cb_full");
    await target.sql`create table public.already (id int)`;
    const r = await restore(target.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `tablesnap: error: database "${target.name}" is not empty (table public.already); a whole restore needs an empty database: create one (createdb), or restore --schema / --table\n`,
    );
    expect(await userObjects(target.sql)).toEqual(["r public.already"]);
  });

  it("says which schema or table the backup does not have (exit 2)", async () => {
    const target = await dbs.create("tsnap_cb_names");
    const schema = await restore(target.url, "--schema", "nope");
    expect(schema.code).toBe(2);
    expect(schema.stderr).toBe(
      `tablesnap: error: no schema "nope" in backup ${backupId} (it has: public)\n`,
    );
    const table = await restore(target.url, "--table", "public.nope");
    expect(table.code).toBe(2);
    expect(table.stderr).toBe(`tablesnap: error: no table "public.nope" in backup ${backupId}\n`);
    const near = await restore(target.url, "--table", "app.owned");
    expect(near.code).toBe(2);
    expect(near.stderr).toContain("(did you mean public.owned?)");
    const jobs = await restore(target.url, "--jobs", "0");
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain("--jobs must be a whole number from 1 to 64 (got 0)");
    expect(await userObjects(target.sql)).toEqual([]);
  });

  it("without --roles, refuses a backup whose objects belong to a role the server lacks", async () => {
    const target = await dbs.create("tsnap_cb_noroles");
    const r = await restore(target.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `tablesnap: error: the target has no role "${owner}", which owns objects of the backup; restore with --roles, or create the roles first\n`,
    );
    expect(await userObjects(target.sql)).toEqual([]);
  });

  it("with --roles, creates the missing role first and restores the objects it owns", async () => {
    const target = await dbs.create("tsnap_cb_roles");
    const r = await restore(target.url, "--roles", "--json");
    const report = JSON.parse(r.stdout || "{}") as RestoreReport;
    for (const role of report.roles?.created ?? []) roles.add(role);
    expect(r.code, r.stderr).toBe(0);
    expect(report.roles?.created).toContain(owner);
    expect(report.roles?.existing).toContain("postgres");
    const rows = await target.sql<{ owner: string; v: string }[]>`
      select pg_get_userbyid(c.relowner) as owner, o.v from public.owned o, pg_class c
      where c.oid = 'public.owned'::regclass order by o.id`;
    expect(rows).toEqual([
      { owner, v: "one" },
      { owner, v: "two" },
    ]);
  });
});
