import { describe, expect, it } from "vitest";
import { parseTarget } from "./connect.ts";

describe("parseTarget", () => {
  it("keeps the password out of the URL given to pg_dump, from the userinfo or the query", () => {
    const a = parseTarget("postgres://app:s3cr%40t@db.example:6543/main?sslmode=require");
    expect(a).toMatchObject({ host: "db.example", port: 6543, user: "app", database: "main" });
    expect(a.libpqEnv).toEqual({ PGPASSWORD: "s3cr@t", PGSSLMODE: "require" });
    expect(a.safeUrl).not.toContain("s3cr");
    const b = parseTarget("postgresql://app@db/main?password=q%26p&application_name=x");
    expect(b.libpqEnv["PGPASSWORD"]).toBe("q&p");
    expect(b.safeUrl).toBe("postgresql://app@db/main?application_name=x");
  });

  it("says what is wrong with a bad URL instead of throwing a raw error", () => {
    expect(() => parseTarget("not a url")).toThrow(/not a valid URL/);
    expect(() => parseTarget("mysql://x@y/z")).toThrow(/must start with postgres:\/\//);
    expect(() => parseTarget("postgres://u:100%@h/d")).toThrow(
      /not URL-encoded \(write % as %25\)/,
    );
  });
});
