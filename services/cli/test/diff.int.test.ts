import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scratchDatabases } from "@tablesnap/restore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newKey } from "./age.ts";
import { tablesnap } from "./cli.ts";
import { startCliGitHub, TOKEN } from "./github.ts";

interface DiffJson {
  diff: {
    from: string;
    to: string;
    added: string[];
    removed: string[];
    changed: {
      table: string;
      rows: Record<string, number> | null;
      by: string;
      schemaChanged: boolean;
    }[];
    totals: Record<string, number>;
  };
  schemas: Record<string, string>;
}

describe("tablesnap diff", () => {
  const dbs = scratchDatabases();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tsnap-diff-"));
  });
  afterAll(async () => {
    await dbs.dropAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("names tables added and removed, rows added, removed and changed, and the schema diff", async () => {
    const db = await dbs.create("tsnap_diff");
    await db.sql.unsafe(`
      CREATE TABLE public.users (id int PRIMARY KEY, email text NOT NULL);
      INSERT INTO public.users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 1000) g;
      CREATE TABLE public.log (line text);
      INSERT INTO public.log VALUES ('a'), ('a'), ('b');
      CREATE TABLE public.gone (id int PRIMARY KEY);
      CREATE TABLE public.same (id int PRIMARY KEY);
      INSERT INTO public.same VALUES (1);
    `);
    const repo = join(dir, "repo");
    const backup = () => tablesnap(["backup", "--database-url", db.url, "--repo", repo, "--quiet"]);
    expect((await backup()).code).toBe(0);
    await db.sql.unsafe(`
      UPDATE public.users SET email = 'changed@example.com' WHERE id IN (7, 8);
      DELETE FROM public.users WHERE id = 9;
      INSERT INTO public.users VALUES (1001, 'new@example.com'), (1002, 'new2@example.com');
      ALTER TABLE public.users ADD CONSTRAINT email_shape CHECK (email LIKE '%@%');
      DELETE FROM public.log WHERE ctid = (SELECT min(ctid) FROM public.log WHERE line = 'a');
      DROP TABLE public.gone;
      CREATE TABLE public.fresh (id int PRIMARY KEY);
    `);
    expect((await backup()).code).toBe(0);

    const r = await tablesnap(["diff", "--repo", repo, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as DiffJson;
    expect(out.diff.added).toEqual(["public.fresh"]);
    expect(out.diff.removed).toEqual(["public.gone"]);
    expect(out.diff.changed).toEqual([
      {
        table: "public.log",
        rows: { added: 0, removed: 1, changed: 0 },
        by: "whole row",
        schemaChanged: false,
      },
      {
        table: "public.users",
        rows: { added: 2, removed: 1, changed: 2 },
        by: "primary key",
        schemaChanged: true,
      },
    ]);
    expect(out.schemas["public.users"]).toContain(
      "+    CONSTRAINT email_shape CHECK ((email ~~ '%@%'::text))",
    );

    const text = await tablesnap(["diff", "--repo", repo, "--rows"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("public.users ~ 7\tchanged@example.com");
    expect(text.stdout).toContain("public.users   was 7\tu7@example.com");
    expect(text.stdout).toContain("public.users - 9\tu9@example.com");
    expect(text.stdout).toContain("public.users + 1001\tnew@example.com");
    expect(text.stderr).toMatch(
      / → latest_\S+: 2 tables changed: \+2 \/ −2 \/ ~2 rows; 1 added, 1 removed\n$/,
    );

    const same = await tablesnap(["diff", "--repo", repo, "latest", "latest", "--json"]);
    expect(JSON.parse(same.stdout).diff.changed).toEqual([]);
    const none = await tablesnap(["diff", "--repo", repo, "nope"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no backup "nope"');
  });

  it("reads a GitHub repository through the API with --github, as it reads a clone", async () => {
    const h = await startCliGitHub();
    try {
      const db = await dbs.create("tsnap_diff_gh");
      await db.sql.unsafe(`
        CREATE TABLE public.items (id int PRIMARY KEY, name text);
        INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 300) g;
      `);
      const repo = await h.createRepo("diffed");
      expect((await h.backup(["--database-url", db.url, "--github", repo, "--quiet"])).code).toBe(
        0,
      );
      await db.sql.unsafe(`
        UPDATE public.items SET name = 'renamed' WHERE id = 3;
        DELETE FROM public.items WHERE id = 4;
        ALTER TABLE public.items ADD CONSTRAINT named CHECK (name <> '');
      `);
      expect((await h.backup(["--database-url", db.url, "--github", repo, "--quiet"])).code).toBe(
        0,
      );
      const env = { GITHUB_TOKEN: TOKEN, TABLESNAP_GITHUB_WAIT_UNIT_MS: "5" };
      const api = await tablesnap(
        ["diff", "--github", repo, "--github-api-url", h.gh.url, "--json"],
        env,
      );
      expect(api.code, api.stderr).toBe(0);
      const clone = await tablesnap(["diff", "--repo", h.bare(repo), "--json"]);
      expect(clone.code, clone.stderr).toBe(0);
      expect(JSON.parse(api.stdout)).toEqual(JSON.parse(clone.stdout));
      const out = JSON.parse(api.stdout) as DiffJson;
      expect(out.diff.changed).toEqual([
        {
          table: "public.items",
          rows: { added: 0, removed: 1, changed: 1 },
          by: "primary key",
          schemaChanged: true,
        },
      ]);
      expect(out.schemas["public.items"]).toContain(
        "+    CONSTRAINT named CHECK ((name <> ''::text))",
      );
      const rows = await tablesnap(
        ["diff", "--github", repo, "--github-api-url", h.gh.url, "--rows"],
        env,
      );
      expect(rows.stdout).toContain("public.items - 4\titem 4");
      const noCreds = await tablesnap(["diff", "--github", repo, "--github-api-url", h.gh.url], {
        GITHUB_TOKEN: "",
      });
      expect(noCreds.code).toBe(2);
      expect(noCreds.stderr).toMatch(/--github needs credentials/);
    } finally {
      await h.close();
    }
  });

  it("reads encrypted rows with --identity, and names the file and its recipient without", async () => {
    const key = await newKey(dir, "diff");
    const db = await dbs.create("tsnap_diff_enc");
    await db.sql`CREATE TABLE public.secrets (id int PRIMARY KEY, body text)`;
    await db.sql`INSERT INTO public.secrets VALUES (1, 'one')`;
    const repo = join(dir, "enc");
    const args = [
      "backup",
      "--database-url",
      db.url,
      "--repo",
      repo,
      "--quiet",
      "--encrypt-to",
      key.recipient,
    ];
    expect((await tablesnap(args)).code).toBe(0);
    await db.sql`INSERT INTO public.secrets VALUES (2, 'two')`;
    expect((await tablesnap(args)).code).toBe(0);
    const blind = await tablesnap(["diff", "--repo", repo]);
    expect(blind.code).toBe(1);
    expect(blind.stderr).toContain(`is encrypted to ${key.recipient}`);
    const seeing = await tablesnap(["diff", "--repo", repo, "--rows", "--identity", key.file]);
    expect(seeing.code, seeing.stderr).toBe(0);
    expect(seeing.stdout).toContain("public.secrets + 2\ttwo");
  });
});
