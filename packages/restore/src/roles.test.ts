import { describe, expect, it } from "vitest";
import { planRoles } from "./roles.ts";

const ROLES = [
  "SET default_transaction_read_only = off;",
  "CREATE ROLE app_rw;",
  "ALTER ROLE app_rw WITH NOSUPERUSER INHERIT LOGIN;",
  'CREATE ROLE "Reporting Team";',
  'ALTER ROLE "Reporting Team" WITH NOLOGIN;',
  "CREATE ROLE postgres;",
  "ALTER ROLE postgres WITH SUPERUSER;",
  "CREATE ROLE anon;",
  'GRANT app_rw TO "Reporting Team" GRANTED BY postgres;',
  "GRANT app_rw TO postgres GRANTED BY postgres;",
].join("\n");

describe("planRoles", () => {
  it("creates only missing roles and grants only to them", () => {
    const p = planRoles(ROLES, new Set(["postgres", "anon"]), false);
    expect(p.created).toEqual(["app_rw", "Reporting Team"]);
    expect(p.existing).toEqual(["postgres", "anon"]);
    expect(p.sql).toContain('CREATE ROLE "Reporting Team";');
    expect(p.sql).toContain('GRANT app_rw TO "Reporting Team"');
    expect(p.sql).not.toContain("ALTER ROLE postgres");
    expect(p.sql).not.toContain("GRANT app_rw TO postgres");
  });

  it("leaves Supabase's reserved roles alone even when the target lacks them", () => {
    const p = planRoles(ROLES, new Set(), true);
    expect(p.reserved).toEqual(["postgres", "anon"]);
    expect(p.sql).not.toMatch(/CREATE ROLE (postgres|anon);/);
  });

  it("names the created roles that can log in but come without a password", () => {
    const withHash = `${ROLES}\nCREATE ROLE svc;\nALTER ROLE svc WITH LOGIN PASSWORD 'SCRAM-SHA-256$4096:x';`;
    const p = planRoles(withHash, new Set(["postgres", "anon"]), false);
    expect(p.withoutPassword).toEqual(["app_rw"]);
  });
});
