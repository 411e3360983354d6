import { describe, expect, it } from "vitest";
import { fromFolderName, safeSegment, toFolderName } from "./names.ts";

const hard = [
  "My Table",
  'say "hi"',
  "a/b",
  "v1.2",
  "..",
  ".",
  "Users",
  "users",
  "Ünïcødé 表",
  `${"ä".repeat(31)}x`,
  "con",
  "COM1",
  "a\\b",
  "tab\there",
  "%41",
  "select",
];

describe("folder names", () => {
  it("keeps plain lowercase names as they are", () => {
    expect(toFolderName("public")).toBe("public");
    expect(toFolderName("pgbench_accounts")).toBe("pgbench_accounts");
    expect(toFolderName("a-b_9")).toBe("a-b_9");
  });

  it("round-trips every hard name", () => {
    for (const name of hard) expect(fromFolderName(toFolderName(name))).toBe(name);
  });

  it("gives only file-system-safe characters and unique names even ignoring case", () => {
    const folders = hard.map(toFolderName);
    for (const f of folders) {
      expect(f).toMatch(/^[a-z0-9_%-]+$/);
      expect(f.length).toBeLessThanOrEqual(255);
    }
    expect(new Set(folders.map((f) => f.toLowerCase())).size).toBe(hard.length);
  });

  it("encodes names reserved on Windows", () => {
    expect(toFolderName("con")).toBe("%63on");
    expect(toFolderName("nul")).not.toBe("nul");
  });

  it("refuses folder names it did not make", () => {
    expect(() => fromFolderName("%zz")).toThrow(/not a tablesnap folder name/);
  });
});

describe("safeSegment", () => {
  it("keeps readable characters and replaces the rest", () => {
    expect(safeSegment("acme/api")).toBe("acme-api");
    expect(safeSegment("Jürgen Müller")).toBe("Jurgen-Muller");
    expect(safeSegment("../../etc")).toBe("etc");
    expect(safeSegment("")).toBe("unknown");
  });
});
