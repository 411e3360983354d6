import { describe, expect, it } from "vitest";
import { progressLine } from "./restore.ts";

describe("restore progress", () => {
  const base = { tablesDone: 0, tablesTotal: 0, rows: 0, bytes: 0 };

  it("says what it checks instead of tables 0/0 before the tables are known", () => {
    expect(progressLine({ ...base, phase: "checking" })).toBe(
      "checking: every file the restore will use, against the manifest",
    );
  });

  it("counts bytes in KiB and MiB, as the summaries do", () => {
    const p = { tablesDone: 3, tablesTotal: 9, rows: 1200, bytes: 5 * 1024 * 1024, phase: "data" };
    expect(progressLine({ ...p, phase: "data" })).toBe("data: tables 3/9, 1200 rows, 5.0 MiB read");
  });
});
