import { describe, expect, it } from "vitest";
import { ArchiveHeaderFixer, fixCreationTime } from "./archive-header.ts";

/** The head of a PostgreSQL 15 custom archive (version 1.14, intSize 4), made at 03:19:14. */
const V14 = Buffer.from(
  "5047444d50010e000408010101000000000e000000001300000000030000000016000000000a000000007e000000000000000000060000006863",
  "hex",
);

describe("fixCreationTime", () => {
  it("sets the seven time fields to 1970-01-01 00:00:00 and nothing else", () => {
    const b = Buffer.from(V14);
    fixCreationTime(b);
    const ints = Array.from({ length: 7 }, (_, i) => b.readInt32LE(16 + i * 5 + 1));
    expect(ints).toEqual([0, 0, 0, 1, 0, 70, 0]);
    expect(b.subarray(0, 16)).toEqual(V14.subarray(0, 16));
    expect(b.subarray(51)).toEqual(V14.subarray(51));
  });

  it("leaves anything that is not a custom archive alone", () => {
    const text = Buffer.from("-- PostgreSQL database dump\nSET x = 1;\n".repeat(3));
    const copy = Buffer.from(text);
    fixCreationTime(copy);
    expect(copy).toEqual(text);
  });

  it("gives the same bytes whatever the chunking", () => {
    for (const size of [1, 7, 64, 1000]) {
      const f = new ArchiveHeaderFixer();
      const out: Buffer[] = [];
      for (let i = 0; i < V14.length; i += size) out.push(...f.push(V14.subarray(i, i + size)));
      out.push(...f.flush());
      const expected = Buffer.from(V14);
      fixCreationTime(expected);
      expect(Buffer.concat(out)).toEqual(expected);
    }
  });
});
