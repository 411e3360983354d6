import { describe, expect, it } from "vitest";
import { backupChanges, changesLine, sameContent } from "./changes.ts";
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

describe("sameContent", () => {
  const full = (id: string, tables: TableEntry[], extra: Partial<Manifest> = {}) =>
    ({
      ...{ backup_id: id, created_at: `2026-01-0${id}T00:00:00Z`, files: [], schemas: [] },
      ...{ snapshot: { time: id, server_version: "15", database: "db" }, triggers: [] },
      ...{ roles: { passwords: false, files: [] }, status: "complete", skipped: [] },
      ...{ options: { include_schemas: [], exclude_schemas: [], custom_dump: true } },
      tables,
      ...extra,
    }) as unknown as Manifest;

  it("ignores ids, times and triggers, and sees files, sequence values and roles", () => {
    const t = table("t", 1, "x");
    expect(sameContent(full("1", [t]), full("2", [t], { duration_ms: 9 } as never))).toBe(true);
    expect(sameContent(full("1", [t]), full("2", [table("t", 1, "y")]))).toBe(false);
    const seq = { ...t, sequences: [{ name: "t_id_seq", value: "5", is_called: true }] };
    const seq6 = { ...t, sequences: [{ name: "t_id_seq", value: "6", is_called: true }] };
    expect(sameContent(full("1", [seq]), full("2", [seq6]))).toBe(false);
    const roles = { roles: { passwords: false, files: [file("roles.sql", "r2")] } };
    expect(sameContent(full("1", [t]), full("2", [t], roles as never))).toBe(false);
  });

  it("compares encrypted files by plaintext and recipients", () => {
    const enc = (cipher: string, plain: string, to = "age1a"): TableEntry => ({
      ...table("t", 1, "x"),
      files: [{ ...file("public/tables/t/data.sql.age", cipher, plain), recipients: [to] }],
    });
    expect(sameContent(full("1", [enc("c1", "p")]), full("2", [enc("c2", "p")]))).toBe(true);
    expect(sameContent(full("1", [enc("c1", "p")]), full("2", [enc("c2", "p", "age1b")]))).toBe(
      false,
    );
  });
});
