import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findPgTools, matchingBinDir } from "./pgtools.ts";

describe("choosing pg_dump", () => {
  it("takes the client tools of the server's own major version where the layout has them", () => {
    const have = new Set([
      "/usr/lib/postgresql/13/bin/pg_dump",
      "/usr/lib/postgresql/17/bin/pg_dump",
    ]);
    expect(matchingBinDir(13, (p) => have.has(p))).toBe("/usr/lib/postgresql/13/bin");
    expect(matchingBinDir(17, (p) => have.has(p))).toBe("/usr/lib/postgresql/17/bin");
    expect(matchingBinDir(15, (p) => have.has(p))).toBeUndefined();
  });

  it("finds this machine's PostgreSQL 15 tools for a 15 server, and --pg-bin still wins", async () => {
    const tools = await findPgTools(undefined, 150_000);
    expect(tools.major).toBe(15);
    // This machine (and CI's) has Debian's PostgreSQL 15 client in that layout.
    expect(existsSync("/usr/lib/postgresql/15/bin/pg_dump")).toBe(true);
    expect(tools.pgDump).toBe("/usr/lib/postgresql/15/bin/pg_dump");
    const given = await findPgTools("/usr/lib/postgresql/15/bin", 130_000);
    expect(given.pgDump).toBe("/usr/lib/postgresql/15/bin/pg_dump");
  });
});
