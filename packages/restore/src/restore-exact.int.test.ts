import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupToFolder, restoreOptions, schemaOnly, scratchDatabases } from "../test/helpers.ts";
import { restoreBackup } from "./restore.ts";

describe("a whole restore into plain PostgreSQL keeps what the target already had exact", () => {
  const dbs = scratchDatabases();
  afterAll(() => dbs.dropAll());

  it("gives public the source's owner, privileges and comment, and ignores the target's default privileges", async () => {
    // As in Pagila and databases made before PostgreSQL 15: public owned by a role, and
    // the application's own hardening of it.
    const source = await dbs.create("tsnap_ex_src");
    await source.sql.unsafe(`
      alter schema public owner to postgres;
      revoke create on schema public from public;
      grant usage on schema public to pg_monitor;
      comment on schema public is 'the application';
      create table public.films (id int primary key, title text);
      revoke all on public.films from postgres;
      grant select on public.films to postgres;
      insert into public.films values (1, 'Alien');`);
    const backup = await backupToFolder(source.url);
    try {
      // The target grants everything on new tables to pg_monitor by default.
      const target = await dbs.create("tsnap_ex_dst");
      await target.sql.unsafe(
        "alter default privileges in schema public grant all on tables to pg_monitor",
      );
      await restoreBackup(restoreOptions(backup, target.url));
      const defaults = await target.sql`select count(*)::int as n from pg_default_acl`;
      expect(defaults).toEqual([{ n: 0 }]);
      expect(await schemaOnly(target.url)).toBe(await schemaOnly(source.url));
    } finally {
      await backup.remove();
    }
  });
});

/** Pagila's shape where it trips a table restored on its own: a domain, an enum, a free sequence. */
const FILMS = `
  create domain public.year as integer check (value >= 1901 and value <= 2155);
  create type public.mpaa_rating as enum ('G', 'PG', 'R');
  create sequence public.language_language_id_seq;
  create function public.is_positive(n integer) returns boolean
    language sql immutable as $$ select n > 0 $$;
  create table public.language (
    language_id integer primary key default nextval('public.language_language_id_seq'), name text);
  create table public.film (
    film_id serial primary key, title text not null, release_year public.year,
    rating public.mpaa_rating default 'G', length integer check (public.is_positive(length)),
    language_id integer references public.language);
  comment on domain public.year is 'a year a film can have';
  insert into public.language (name) values ('English'), ('Italian');
  insert into public.film (title, release_year, rating, length, language_id)
    values ('Alien', 1979, 'R', 117, 1), ('Amarcord', 1973, 'R', 123, 2);`;

describe("a partial restore brings what the restored tables need", () => {
  const dbs = scratchDatabases();
  let backup: Awaited<ReturnType<typeof backupToFolder>>;
  let source: Awaited<ReturnType<typeof dbs.create>>;
  beforeAll(async () => {
    source = await dbs.create("tsnap_dep_src");
    await source.sql.unsafe(FILMS);
    backup = await backupToFolder(source.url);
  });
  afterAll(async () => {
    await backup?.remove();
    await dbs.dropAll();
  });

  it("--table public.language into an empty database brings its free sequence, and says so", async () => {
    const target = await dbs.create("tsnap_dep_lang");
    const report = await restoreBackup(
      restoreOptions(backup, target.url, { tables: ["public.language"] }),
    );
    expect(report.dependencies).toEqual(["SEQUENCE public.language_language_id_seq"]);
    // With the source's value: two languages used 1 and 2.
    const [next] = await target.sql`select nextval('public.language_language_id_seq') as n`;
    expect(next).toEqual({ n: "3" });
  });

  it("--table public.film brings the domain, enum and function, not the other table; a foreign key to it fails, and so does its dry run", async () => {
    const target = await dbs.create("tsnap_dep_film");
    const film = restoreOptions(backup, target.url, { tables: ["public.film"] });
    const dry = restoreBackup({ ...film, dryRun: true });
    await expect(dry).rejects.toThrow(/relation "public.language" does not exist/);
    await expect(restoreBackup(film)).rejects.toThrow(/relation "public.language" does not exist/);
    expect(await target.sql`select count(*)::int as n from pg_type where typname = 'year'`).toEqual(
      [{ n: 0 }],
    );

    const both = { ...film, tables: ["public.film", "public.language"] };
    expect((await restoreBackup({ ...both, dryRun: true })).dryRun).toBe(true);
    const report = await restoreBackup(both);
    expect(report.dependencies).toEqual([
      "DOMAIN public.year",
      "TYPE public.mpaa_rating",
      "FUNCTION public.is_positive(integer)",
      "SEQUENCE public.language_language_id_seq",
    ]);
    expect(await schemaOnly(target.url)).toBe(await schemaOnly(source.url));
    // Again into what now has them: nothing is brought, the rows are replaced by the same.
    const again = await restoreBackup(both);
    expect(again.dependencies).toEqual([]);
    expect(again.tables.map((t) => t.mode)).toEqual(["replace", "replace"]);
    expect(await schemaOnly(target.url)).toBe(await schemaOnly(source.url));
    // A dry run leaves the target's sequences alone (they are not transactional).
    const seqs = () => target.sql`select last_value::int as v from pg_sequences
      where sequencename in ('film_film_id_seq', 'language_language_id_seq') order by sequencename`;
    await target.sql`select setval('public.film_film_id_seq', 50), setval('public.language_language_id_seq', 100)`;
    expect((await restoreBackup({ ...both, dryRun: true })).dryRun).toBe(true);
    expect(await seqs()).toEqual([{ v: 50 }, { v: 100 }]);
  });

  it("--no-deps restores exactly what was named, and fails clearly (its dry run too) when that is not enough", async () => {
    const target = await dbs.create("tsnap_dep_none");
    const film = restoreOptions(backup, target.url, {
      tables: ["public.film", "public.language"],
      dependencies: false,
    });
    await expect(restoreBackup({ ...film, dryRun: true })).rejects.toThrow(
      /type "public.year" does not exist/,
    );
    await expect(restoreBackup(film)).rejects.toThrow(/type "public.year" does not exist/);
  });
});
