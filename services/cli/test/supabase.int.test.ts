import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Manifest } from "@tablesnap/core";
import type { DrillReport, RestoreReport } from "@tablesnap/restore";
import { copyBackup, replaceOnce, rewriteChecked } from "@tablesnap/restore/testing";
import {
  type CatalogFacts,
  catalogFacts,
  clientOn,
  psql,
  SUPABASE_APP_SQL,
  type SupabaseCluster,
  startSupabaseCluster,
  tableDigests,
} from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, tablesnap } from "./cli.ts";

/** Everything compared between a source project and a restored one, rows included. */
async function facts(c: SupabaseCluster, db: string): Promise<CatalogFacts> {
  const sql = clientOn(c, db, "supabase_admin");
  try {
    const rows = await tableDigests(sql);
    return {
      ...(await catalogFacts(sql)),
      rows: Object.entries(rows).map(([t, d]) => `${t} ${d}`),
    };
  } finally {
    await sql.end();
  }
}

/** What one side has that the other lacks, class by class: empty lists when equal. */
function differences(got: CatalogFacts, want: CatalogFacts, classes = Object.keys(want)) {
  return Object.fromEntries(
    classes.map((k) => {
      const g = new Set(got[k]);
      const w = new Set(want[k]);
      return [
        k,
        { extra: [...g].filter((x) => !w.has(x)), missing: [...w].filter((x) => !g.has(x)) },
      ];
    }),
  );
}
const NONE = (classes: string[]) =>
  Object.fromEntries(classes.map((k) => [k, { extra: [], missing: [] }]));

/** Runs `statement` as `role` on `db`; the server's error message, or "ok". */
async function as(c: SupabaseCluster, db: string, role: string, statement: string) {
  const sql = clientOn(c, db, "postgres");
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(`set local role ${role}`);
      await tx.unsafe(statement);
    });
    return "ok";
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await sql.end();
  }
}

describe("Supabase round trip, on a project built from Supabase's own SQL (postgres is no superuser)", () => {
  let c: SupabaseCluster;
  let work: string;
  let repo: string;
  let source: CatalogFacts;

  beforeAll(async () => {
    c = await startSupabaseCluster();
    work = await mkdtemp(join(tmpdir(), "tsnap-sbrt-"));
    repo = join(work, "repo");
    const url = await c.newProject("app_source");
    await psql(url, { file: SUPABASE_APP_SQL });
    const r = await tablesnap(["backup", "--database-url", url, "--repo", repo, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    source = await facts(c, "app_source");
  }, 180_000);
  afterAll(async () => {
    await c?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const manifest = async (): Promise<Manifest> => {
    const folder = await git(repo, "show", "HEAD:backups/latest/latest");
    return JSON.parse(await git(repo, "show", `HEAD:backups/latest/${folder}/manifest.json`));
  };
  const restore = (db: string, ...extra: string[]) =>
    tablesnap([
      "restore",
      "--repo",
      repo,
      "--database-url",
      c.url(db),
      "--json",
      "--quiet",
      ...extra,
    ]);

  it("backs up as postgres: complete, the platform's rows included, no password hash in any commit", async () => {
    const m = await manifest();
    expect(m.status).toBe("complete");
    expect(m.skipped).toEqual([]);
    const rows = Object.fromEntries(m.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
    expect(rows).toMatchObject({
      "auth.users": 20,
      "auth.identities": 20,
      "auth.sessions": 20,
      "auth.refresh_tokens": 20,
      "storage.buckets": 1,
      "storage.objects": 5,
      "public.profiles": 20,
      "public.notes": 20,
      "public.audit": 983,
    });
    expect(m.roles.passwords).toBe(false);
    // postgres reads pg_authid here (pg_read_all_data), yet no hash may reach git.
    const found = await git(repo, "log", "--all", "-p", "--format=%H").catch(() => "");
    expect(found).toContain("CREATE ROLE supabase_admin;");
    expect(found).not.toMatch(/SCRAM-SHA-256|md5[0-9a-f]{32}/);
  });

  it("restores the whole project into a new one as postgres (detected): every fact equal, privileges exactly as in the source", async () => {
    await c.newProject("app_restored");
    const r = await restore("app_restored");
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RestoreReport;
    expect(report).toMatchObject({ whole: true, supabase: true, transactions: 1 });

    const got = await facts(c, "app_restored");
    expect(differences(got, source)).toEqual(NONE(Object.keys(source)));

    // What the new project already had is named, with why; the application's objects in the
    // platform's schemas are restored and named.
    const left = new Map(report.left.map((l) => [l.object, l.reason]));
    expect(left.get("PUBLICATION supabase_realtime")).toBe("the target already has it");
    expect(left.get("EVENT TRIGGER issue_pg_net_access")).toBe("the target already has it");
    expect(left.get("EXTENSION pgcrypto")).toBe("the target already has it");
    expect(left.get("TABLE auth.users")).toBe("the target already has it");
    expect(report.inPlatformSchemas).toEqual(
      expect.arrayContaining([
        "TRIGGER auth.users on_auth_user_created",
        "POLICY storage.objects avatars are public",
        "POLICY storage.objects upload own avatar",
      ]),
    );
    expect(report.notRestored.map((n) => n.object)).toEqual([
      "table auth.schema_migrations",
      "table storage.migrations",
    ]);
  });

  it("keeps revoked privileges revoked: anon can neither read the audit table nor run the purge", async () => {
    const db = "app_restored";
    expect(await as(c, db, "anon", "select count(*) from public.audit")).toMatch(
      /permission denied for table audit/,
    );
    expect(await as(c, db, "anon", "select public.purge_audit()")).toMatch(
      /permission denied for function purge_audit/,
    );
    expect(await as(c, db, "authenticated", "select public.purge_audit()")).toMatch(
      /permission denied for function purge_audit/,
    );
    expect(await as(c, db, "service_role", "select count(*) from public.audit")).toBe("ok");
    // The restored trigger on auth.users works: a new user gets a profile.
    const sql = clientOn(c, db, "supabase_admin");
    try {
      await sql`insert into auth.users (id, email, raw_user_meta_data)
        values ('00000000-0000-4000-8000-000000000999', 'new@example.com', '{"username":"newbie"}')`;
      const [p] = await sql`select username from public.profiles
        where id = '00000000-0000-4000-8000-000000000999'`;
      expect(p).toEqual({ username: "newbie" });
    } finally {
      await sql.end();
    }
  });

  it("restores with --supabase given explicitly to the same project", async () => {
    await c.newProject("app_explicit");
    const r = await restore("app_explicit", "--supabase");
    expect(r.code, r.stderr).toBe(0);
    const classes = ["table_privileges", "function_privileges", "policies", "triggers", "rows"];
    const got = await facts(c, "app_explicit");
    expect(differences(got, source, classes)).toEqual(NONE(classes));
  });

  /**
   * Into a new project `db`, with `right` revoked from postgres (as supabase_admin) while `tries`
   * runs and given back after: the project must be exactly as it was.
   */
  async function withoutRight(
    db: string,
    right: { revoke: string; grant: string },
    tries: () => Promise<void>,
  ) {
    await c.newProject(db);
    const before = await facts(c, db);
    await c.admin("postgres", right.revoke);
    try {
      await tries();
    } finally {
      await c.admin("postgres", right.grant);
    }
    expect(await facts(c, db)).toEqual(before);
  }

  it("without the right to set session_replication_role fails before writing, saying what to grant", async () => {
    const right = {
      revoke: "revoke set on parameter session_replication_role from postgres",
      grant: "grant set on parameter session_replication_role to postgres",
    };
    await withoutRight("app_no_replica", right, async () => {
      const r = await restore("app_no_replica");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /needs SET session_replication_role.*GRANT SET ON PARAMETER session_replication_role TO postgres.*nothing was written/,
      );
      const dry = await restore("app_no_replica", "--dry-run");
      expect(dry.code).toBe(1);
      expect(dry.stderr).toMatch(/GRANT SET ON PARAMETER session_replication_role/);
    });
  });

  it("without membership in the owner of auth.users fails before writing, naming the role and what to grant", async () => {
    const right = {
      revoke: "revoke supabase_auth_admin from postgres",
      grant: "grant supabase_auth_admin to postgres",
    };
    await withoutRight("app_no_member", right, async () => {
      const r = await restore("app_no_member");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /cannot act as "supabase_auth_admin" \(TRIGGER auth\.users on_auth_user_created.*GRANT supabase_auth_admin TO postgres.*nothing was written/,
      );
    });
  });

  it("--table into an empty new project brings the enum and the extension it needs, checks keys to auth.users, and a re-run changes nothing", async () => {
    await c.newProject("app_partial");
    const before = await facts(c, "app_partial");
    const alone = await restore("app_partial", "--table", "public.profiles");
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/foreign key|profiles_id_fkey/);
    const dry = await restore("app_partial", "--table", "public.profiles", "--dry-run");
    expect(dry.code).toBe(1);
    expect(await facts(c, "app_partial")).toEqual(before);

    const both = ["--table", "auth.users", "--table", "public.profiles"];
    const r = await restore("app_partial", ...both);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RestoreReport;
    expect(report.dependencies).toEqual(["EXTENSION citext", "TYPE public.mood"]);
    expect(report.tables.map((t) => `${t.schema}.${t.name} ${t.mode}`)).toEqual([
      "auth.users replace",
      "public.profiles create",
    ]);
    const after = await facts(c, "app_partial");
    const mine = (f: CatalogFacts) => ({
      rows: f["rows"]?.filter((x) => /^(auth\.users|public\.profiles) /.test(x)),
      privileges: f["table_privileges"]?.filter((x) => x.startsWith("public.profiles ")),
      policies: f["policies"]?.filter((x) => x.startsWith("public.profiles ")),
    });
    expect(mine(after)).toEqual(mine(source));
    const again = await restore("app_partial", ...both);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as RestoreReport).dependencies).toEqual([]);
    expect(await facts(c, "app_partial")).toEqual(after);
  });

  it("--schema public into the restored project replaces its rows and changes nothing else", async () => {
    const r = await restore("app_restored", "--schema", "public");
    expect(r.code, r.stderr).toBe(0);
    // The trigger test above added a user and a profile; the schema's rows are the source's again.
    const got = await facts(c, "app_restored");
    const classes = ["table_privileges", "function_privileges", "policies", "triggers", "types"];
    expect(differences(got, source, classes)).toEqual(NONE(classes));
    expect(got["rows"]?.filter((x) => x.startsWith("public."))).toEqual(
      source["rows"]?.filter((x) => x.startsWith("public.")),
    );
  });

  describe("drill", () => {
    const drill = (...extra: string[]) =>
      tablesnap([
        "drill",
        "--repo",
        repo,
        "--scratch-url",
        c.url("postgres"),
        "--json",
        "--quiet",
        ...extra,
      ]);

    it("fails at once without a template, naming the flag", async () => {
      const r = await drill();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Supabase project.*--scratch-template NAME/);
    });

    it("passes with the platform template, for the whole backup and for one table", async () => {
      const whole = await drill("--scratch-template", "supabase_platform");
      expect(whole.code, whole.stderr).toBe(0);
      const report = JSON.parse(whole.stdout) as DrillReport;
      expect(report.ok).toBe(true);
      expect(report.tables.map((t) => t.table)).toEqual(
        expect.arrayContaining(["auth.users", "storage.objects", "public.audit"]),
      );
      const one = await drill("--scratch-template", "supabase_platform", "--table", "public.audit");
      expect(one.code, one.stderr).toBe(0);
      expect((JSON.parse(one.stdout) as DrillReport).tables.map((t) => t.table)).toEqual([
        "public.audit",
      ]);
    });

    it("fails a tampered backup, naming the table", async () => {
      // jsonb keeps no spacing: the row restores, but not to the bytes the backup holds.
      const dir = await copyBackup(join(repo, "backups/latest/latest"));
      const path = "storage/tables/objects/data.sql";
      await rewriteChecked(dir, path, (t) => replaceOnce(t, '{"size": 1001,', '{"size":1001,'));
      const r = await tablesnap([
        "drill",
        "--from",
        dir,
        "--scratch-url",
        c.url("postgres"),
        "--scratch-template",
        "supabase_platform",
      ]);
      await rm(dirname(dir), { recursive: true, force: true });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(`storage.objects: sha256 differs: ${path}\n`);
    });
  });
});
