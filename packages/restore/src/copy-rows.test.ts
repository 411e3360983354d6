import { describe, expect, it } from "vitest";
import { copyRows } from "./copy-load.ts";

/** Feeds `text` in chunks of `size` bytes; returns the rows sent to COPY and the tail. */
async function split(text: string, size: number): Promise<{ rows: string; tail: string }> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const [first = Buffer.alloc(0), ...rest] = chunks;
  let tail: Buffer[] = [];
  const out: Buffer[] = [];
  for await (const c of copyRows(
    first,
    async () => rest.shift() ?? null,
    (t) => (tail = t),
  ))
    out.push(c);
  // As loadDataFile does: what the generator did not read is the rest of the tail.
  return {
    rows: Buffer.concat(out).toString(),
    tail: Buffer.concat([...tail, ...rest]).toString(),
  };
}

describe("copyRows", () => {
  // Near misses: an escaped backslash-dot row, and rows that end in a dot.
  const rows = "1\ta\n\\\\.\n2\t\\\\.\n3\tx\\.\n";
  const text = `${rows}\\.\nSELECT setval('s', 3);\n`;

  it.each([1, 2, 3, 4, 7, 1000])("finds the end marker with %i-byte chunks", async (size) => {
    expect(await split(text, size)).toEqual({ rows, tail: "SELECT setval('s', 3);\n" });
  });

  it("handles a table without rows", async () => {
    for (const size of [1, 2, 100])
      expect(await split("\\.\n", size)).toEqual({ rows: "", tail: "" });
  });

  it("refuses a block without its end marker", async () => {
    await expect(split("1\ta\n2\tb\n", 3)).rejects.toThrow(/without its \\\. line/);
  });
});
