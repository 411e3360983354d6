import { describe, expect, it } from "vitest";
import { backupChanges, changesLine } from "./changes.ts";
import type { Manifest, TableEntry } from "./manifest.ts";

const file = (path: string, sha: string, plain?: string) => ({
  path,
  sha256: sha.padEnd(64, "0"),
  bytes: 1,
  ...(plain === undefined ? {} : { plain: { sha256: plain.padEnd(64, "0"), bytes: 1 } }),
});
const table = (name: string, rows: number, data: string, schema = "s"): TableEntry => ({
  ...{ schema: "public", name, kind: "table", path: `public/tables/${name}`, rows, bytes: 1 },
  files: [
    file(`public/tables/${name}/schema.sql`, schema),
    file(`public/tables/${name}/data.sql`, data),
  ],
  sequences: [],
});
const manifest = (id: string, tables: TableEntry[]) =>
  ({ backup_id: id, tables }) as unknown as Manifest;

describe("backupChanges", () => {
  it("names tables added, removed and changed (data or schema) with the rows' net change", () => {
    const before = manifest("b1", [
      table("same", 5, "a"),
      table("rows", 10, "b"),
      table("ddl", 3, "c"),
      table("gone", 7, "d"),
    ]);
    const after = manifest("b2", [
      ...[
        table("same", 5, "a"),
        table("rows", 12, "B"),
        table("ddl", 3, "c", "S2"),
        table("new", 1, "e"),
      ],
    ]);
    const c = backupChanges(before, after);
    expect(c).toEqual({
      since: "b1",
      added: ["public.new"],
      removed: ["public.gone"],
      changed: [
        { table: "public.rows", data: true, schema: false, rowsBefore: 10, rowsAfter: 12 },
        { table: "public.ddl", data: false, schema: true, rowsBefore: 3, rowsAfter: 3 },
      ],
      rowsDelta: 21 - 25,
    });
    expect(changesLine(c)).toBe("2 tables changed (1 data, 1 schema), 1 added, 1 removed; rows −4");
    expect(changesLine(backupChanges(after, after))).toBe("no table changed; rows ±0");
    expect(changesLine(backupChanges(null, after))).toBe("first backup: 4 tables");
  });

  it("compares encrypted files by their plaintext, whatever their ciphertext", () => {
    const enc = (cipher: string, plain: string): TableEntry => ({
      ...table("t", 1, "x"),
      files: [
        file("public/tables/t/schema.sql", "s"),
        file("public/tables/t/data.sql.age", cipher, plain),
      ],
    });
    expect(
      backupChanges(manifest("1", [enc("c1", "p")]), manifest("2", [enc("c2", "p")])).changed,
    ).toEqual([]);
    expect(
      backupChanges(manifest("1", [enc("c1", "p")]), manifest("2", [enc("c1", "q")])).changed,
    ).toHaveLength(1);
  });
});
