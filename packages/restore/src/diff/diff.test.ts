import { describe, expect, it } from "vitest";
import { primaryKeyOf, splitIdentifiers } from "./rows.ts";
import { diffRows, type RowChange } from "./table-rows.ts";

async function* from(rows: readonly string[]): AsyncIterable<string> {
  yield* rows;
}

const byFirst = (row: string) => row.split("\t")[0] ?? "";

describe("diffRows", () => {
  it("counts rows added, removed and changed by key, and names each", async () => {
    const changes: RowChange[] = [];
    const counts = await diffRows(
      from(["1\ta", "2\tb", "3\tc"]),
      from(["1\ta", "2\tB", "4\td"]),
      byFirst,
      (c) => changes.push(c),
    );
    expect(counts).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(changes).toContainEqual({ kind: "changed", before: "2\tb", after: "2\tB" });
    expect(changes).toContainEqual({ kind: "added", row: "4\td" });
    expect(changes).toContainEqual({ kind: "removed", row: "3\tc" });
  });

  it("compares a table without a key as a multiset of rows", async () => {
    const counts = await diffRows(from(["x", "x", "y"]), from(["x", "y", "y", "z"]), null);
    expect(counts).toEqual({ added: 2, removed: 1, changed: 0 });
  });

  it("spills a large version to files and gives the same answer", async () => {
    const n = 120_000;
    const pad = "p".repeat(80);
    async function* before() {
      for (let i = 0; i < n; i++) yield `${i}\t${pad}\t${i % 7}`;
    }
    async function* after() {
      for (let i = 5; i < n + 10; i++) yield `${i}\t${pad}\t${i === 500 ? "changed" : i % 7}`;
    }
    expect(await diffRows(before(), after(), byFirst)).toEqual({
      added: 10,
      removed: 5,
      changed: 1,
    });
  });
});

describe("reading a backup's tables", () => {
  it("finds the primary key in a table's schema.sql, quoted names included", () => {
    const sql = `ALTER TABLE ONLY public."My Table"\n    ADD CONSTRAINT "My Table_pkey" PRIMARY KEY (id, "Key, Two");\n`;
    expect(primaryKeyOf(sql)).toEqual(["id", '"Key, Two"']);
    expect(primaryKeyOf("CREATE TABLE t (a int);")).toBeNull();
    expect(splitIdentifiers('a, "b, c", d')).toEqual(["a", '"b, c"', "d"]);
  });
});
