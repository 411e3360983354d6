import { describe, expect, it } from "vitest";
import { type Inventory, labelKey, objectKey } from "./inventory.ts";
import { type Actor, type ReconciledEntry, reconcile } from "./reconcile.ts";

const entry = (
  type: string,
  schema: string,
  name: string,
  owner: string,
  text = "",
): ReconciledEntry => ({
  file: "x.sql",
  entry: { type, schema, name, owner, text },
});

/** A new Supabase project, as far as these cases need it. */
const inventory: Inventory = {
  keys: new Set([
    objectKey("SCHEMA", "-", "auth"),
    objectKey("SCHEMA", "-", "public"),
    objectKey("TABLE", "auth", "users"),
    objectKey("PUBLICATION", "-", "supabase_realtime"),
    objectKey("EVENT TRIGGER", "-", "issue_pg_net_access"),
    labelKey("auth", "TABLE users"),
    labelKey("-", "SCHEMA public"),
    labelKey("-", "EXTENSION pg_stat_statements"),
  ]),
  owners: new Map([
    [objectKey("SCHEMA", "-", "auth"), "supabase_admin"],
    [objectKey("SCHEMA", "-", "public"), "pg_database_owner"],
    [labelKey("auth", "TABLE users"), "supabase_auth_admin"],
    [labelKey("-", "SCHEMA public"), "pg_database_owner"],
    [labelKey("-", "EXTENSION pg_stat_statements"), "supabase_admin"],
  ]),
};
const postgres: Actor = {
  name: "postgres",
  superuser: false,
  actsAs: new Set(["postgres", "supabase_auth_admin", "pg_database_owner"]),
  superusers: new Set(["supabase_admin"]),
};

describe("reconcile into a Supabase project", () => {
  const run = (entries: ReconciledEntry[]) => reconcile(entries, inventory, postgres, true);

  it("leaves what the target already has, naming each object and why", () => {
    const r = run([
      entry("PUBLICATION", "-", "supabase_realtime", "postgres"),
      entry("EVENT TRIGGER", "-", "issue_pg_net_access", "postgres"),
      entry("TABLE", "auth", "users", "supabase_auth_admin"),
      entry("SCHEMA", "-", "auth", "supabase_admin"),
    ]);
    expect(r.run).toEqual([]);
    expect(r.left).toEqual([
      { object: "PUBLICATION supabase_realtime", reason: "the target already has it" },
      { object: "EVENT TRIGGER issue_pg_net_access", reason: "the target already has it" },
      { object: "TABLE auth.users", reason: "the target already has it" },
      { object: "SCHEMA auth", reason: "the target already has it" },
    ]);
  });

  it("creates the application's objects on the platform's tables", () => {
    const trigger = entry("TRIGGER", "auth", "users on_auth_user_created", "supabase_auth_admin");
    const table = entry("PUBLICATION TABLE", "public", "supabase_realtime notes", "postgres");
    expect(run([trigger, table]).run).toEqual([trigger, table]);
  });

  it("resets and re-grants the privileges of an object it may act for, names the others", () => {
    const acl = entry("ACL", "auth", "TABLE users", "supabase_auth_admin");
    const comment = entry("COMMENT", "-", "EXTENSION pg_stat_statements", "");
    const r = run([acl, comment]);
    expect(r.run).toEqual([{ ...acl, resetAcl: true }]);
    expect(r.left).toEqual([
      {
        object: "COMMENT ON EXTENSION pg_stat_statements",
        reason:
          "on an object the target already has, owned by supabase_admin, which postgres cannot act as",
      },
    ]);
  });

  it("leaves event triggers and a superuser's objects it cannot make", () => {
    const r = run([
      entry("EVENT TRIGGER", "-", "new_watch", "supabase_admin"),
      entry("FUNCTION", "extensions", "grant_access()", "supabase_admin"),
    ]);
    expect(r.run).toEqual([]);
    expect(r.left.map((l) => l.reason)).toEqual([
      "not in the target; creating an event trigger needs a superuser (the platform's own)",
      "not in the target; owned by supabase_admin, a superuser postgres cannot act as (the platform's own)",
    ]);
  });
});

describe("reconcile into plain PostgreSQL", () => {
  it("runs everything, but only gives an existing schema its owner", () => {
    const schema = entry(
      "SCHEMA",
      "-",
      "public",
      "postgres",
      "CREATE SCHEMA public;\nALTER SCHEMA public OWNER TO postgres;",
    );
    const table = entry("TABLE", "public", "t", "postgres");
    const r = reconcile([schema, table], inventory, postgres, false);
    expect(r.left).toEqual([]);
    expect(r.run.map((p) => p.entry.text)).toEqual(["ALTER SCHEMA public OWNER TO postgres;", ""]);
  });
});
