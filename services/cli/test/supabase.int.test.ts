import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { RestoreReport } from "@tablesnap/restore";
import { schemaOnly, scratchDatabases, tableContents } from "@tablesnap/restore/testing";
import { adminUrl, psql, type ScratchDatabase } from "@tablesnap/test-harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tablesnap } from "./cli.ts";

/** What the platform creates in every Supabase project (a small part of it). */
const PLATFORM = `
  create schema auth; create schema storage; create schema vault;
  create table auth.users (id uuid primary key, email text);
  create table auth.schema_migrations (version text primary key);
  create table storage.buckets (id text primary key, name text not null);
  create table vault.secrets (id uuid primary key, secret text);`;
const SUPABASE_ROLES = ["anon", "authenticated", "service_role"];
const PLATFORM_SCHEMAS = ["--schema", "auth", "--schema", "storage", "--schema", "vault"];

describe("tablesnap restore into a Supabase project (simulated: its schemas, tables and roles)", () => {
  const dbs = scratchDatabases();
  const temp: string[] = [];
  /** Roles are the server's: only those this test made are dropped afterwards. */
  const madeRoles: string[] = [];
  let source: ScratchDatabase;
  let folder: string;

  beforeAll(async () => {
    for (const role of SUPABASE_ROLES) {
      const out = await psql(adminUrl(), {
        command: `select 'made' where not exists (select 1 from pg_roles where rolname = '${role}')`,
      });
      if (!out.includes("made")) continue;
      await psql(adminUrl(), { command: `CREATE ROLE ${role} NOLOGIN` });
      madeRoles.push(role);
    }
    source = await dbs.create("tsnap_sb_src");
    await source.sql.unsafe(`${PLATFORM}
      insert into auth.users values
        ('11111111-1111-1111-1111-111111111111', 'a@example.com'),
        ('22222222-2222-2222-2222-222222222222', 'b@example.com');
      insert into auth.schema_migrations values ('20240101'), ('20240202');
      insert into storage.buckets values ('avatars', 'Avatars');
      insert into vault.secrets values ('33333333-3333-3333-3333-333333333333', 'sealed');
      create table public.profiles (id uuid primary key references auth.users (id), name text);
      insert into public.profiles values ('11111111-1111-1111-1111-111111111111', 'Ada');
      create table public.notes (id int primary key, body text);
      insert into public.notes values (1, 'hello'), (2, 'world');
      grant select on public.notes to anon;`);
    const repo = join(await mkdtemp(join(tmpdir(), "tsnap-sb-")), "repo");
    temp.push(dirname(repo));
    const args = ["backup", "--database-url", source.url, "--repo", repo];
    const r = await tablesnap([...args, "--quiet", "--no-custom-dump"]);
    expect(r.code, r.stderr).toBe(0);
    folder = join(repo, "backups/latest/latest");
  });
  afterAll(async () => {
    await dbs.dropAll();
    for (const role of madeRoles) await psql(adminUrl(), { command: `DROP ROLE ${role}` });
    await Promise.all(temp.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("leaves the platform's DDL alone, loads its tables' rows, says what it could not restore", async () => {
    const target = await dbs.create("tsnap_sb_target");
    // The platform's own, newer definition of auth.users, and its own migration state.
    await target.sql.unsafe(`${PLATFORM}
      alter table auth.users add column instance_id uuid;
      comment on table auth.users is 'platform v2';
      insert into auth.schema_migrations values ('20250101');`);
    const platformBefore = await schemaOnly(target.url, ...PLATFORM_SCHEMAS);

    const args = ["restore", "--from", folder, "--database-url", target.url];
    const r = await tablesnap([...args, "--json", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RestoreReport;
    expect(report).toMatchObject({ whole: true, supabase: true, transactions: 1 });
    expect(report.entries.platform).toBeGreaterThan(0);
    expect(report.notRestored).toEqual([
      {
        object: "table auth.schema_migrations",
        reason: "the platform's own migration state is kept",
      },
      {
        object: "table vault.secrets",
        reason: "encrypted with the source project's root key; recreate the secrets",
      },
    ]);
    expect(report.tables.map((t) => `${t.schema}.${t.name} ${t.mode}`)).toEqual([
      "auth.schema_migrations skip",
      "auth.users append",
      "public.notes create",
      "public.profiles create",
      "storage.buckets append",
      "vault.secrets skip",
    ]);

    // The platform's tables are as the platform made them, holding the source's rows.
    expect(await schemaOnly(target.url, ...PLATFORM_SCHEMAS)).toBe(platformBefore);
    const users = await target.sql`select id, email, instance_id from auth.users order by id`;
    expect(users).toEqual([
      { id: "11111111-1111-1111-1111-111111111111", email: "a@example.com", instance_id: null },
      { id: "22222222-2222-2222-2222-222222222222", email: "b@example.com", instance_id: null },
    ]);
    const migrations = await target.sql`select version from auth.schema_migrations`;
    expect(migrations).toEqual([{ version: "20250101" }]);
    expect(await target.sql`select * from vault.secrets`).toEqual([]);

    // The project's own tables equal the source's, with their grants and foreign keys.
    const rows = await tableContents(target.sql);
    const want = await tableContents(source.sql);
    for (const t of ["public.notes", "public.profiles", "storage.buckets"])
      expect(rows[t], t).toEqual(want[t]);
    const [grants] = await target.sql<{ anon: boolean; fk: boolean }[]>`
      select has_table_privilege('anon', 'public.notes', 'SELECT') as anon,
        exists (select 1 from pg_constraint where conrelid = 'public.profiles'::regclass
          and contype = 'f' and confrelid = 'auth.users'::regclass) as fk`;
    expect(grants).toEqual({ anon: true, fk: true });
  });
});
