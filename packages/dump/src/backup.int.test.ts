import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { fromFolderName, manifestFiles } from "@tablesnap/core";
import {
  createScratchDatabase,
  loadHardCases,
  psql,
  type ScratchDatabase,
} from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackupOnDisk, backupToDisk } from "../test/helpers.ts";
import type { TableInfo } from "./catalog.ts";
import { copyQuery } from "./table-data.ts";

const run = promisify(execFile);

/** Every table of the source, as the catalog has it (the expected contents of a backup). */
async function sourceTables(db: ScratchDatabase) {
  return db.sql<{ schema: string; name: string; kind: string }[]>`
    select n.nspname as schema, c.relname as name, c.relkind::text as kind
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
    order by 1, 2`;
}

/** Columns and key of a table in `db`, so two databases can be read in the same order. */
async function tableShape(db: ScratchDatabase, schema: string, name: string): Promise<TableInfo> {
  const [t] = await db.sql<{ qname: string; cols: string[]; pk: string[] | null }[]>`
    select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as qname,
      coalesce((select array_agg(quote_ident(attname) order by attnum) from pg_attribute
        where attrelid = c.oid and attnum > 0 and not attisdropped and attgenerated = ''), '{}') as cols,
      (select array_agg(quote_ident(a.attname) order by k.o) from pg_index i,
        unnest(i.indkey) with ordinality k(n, o), pg_attribute a
        where i.indrelid = c.oid and i.indisprimary and a.attrelid = c.oid and a.attnum = k.n) as pk
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and c.relname = ${name}`;
  if (!t) throw new Error(`no table ${schema}.${name}`);
  const kind = "table";
  return {
    oid: 0,
    schema,
    name,
    kind,
    qname: t.qname,
    columns: t.cols,
    primaryKey: t.pk ?? [],
    bytesEstimate: 0,
    unreadable: false,
  };
}

/** sha256 and row count of a table's contents, read with the same ordered COPY the dump uses. */
async function tableDigest(db: ScratchDatabase, shape: TableInfo) {
  const stream = await db.sql.unsafe(copyQuery(shape)).readable();
  const hash = createHash("sha256");
  let rows = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (const b of chunk) if (b === 10) rows++;
  }
  return { sha256: hash.digest("hex"), rows };
}

describe("backup of the hard-cases database", () => {
  let db: ScratchDatabase;
  let first: BackupOnDisk;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_fx");
    await loadHardCases(db.url);
    first = await backupToDisk(db.url);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("lists every table of the database, each in a folder that maps back to its name", async () => {
    const expected = await sourceTables(db);
    const got = first.manifest.tables.map((t) => ({ schema: t.schema, name: t.name }));
    expect(got).toEqual(expected.map((t) => ({ schema: t.schema, name: t.name })));
    for (const t of first.manifest.tables) {
      const [schemaFolder, tables, tableFolder] = t.path.split("/");
      expect(tables).toBe("tables");
      expect(fromFolderName(schemaFolder ?? "")).toBe(t.schema);
      expect(fromFolderName(tableFolder ?? "")).toBe(t.name);
    }
    expect(new Set(first.manifest.tables.map((t) => t.path.toLowerCase())).size).toBe(
      expected.length,
    );
    expect(first.manifest.status).toBe("complete");
    expect(first.manifest.skipped).toEqual([]);
  });

  it("records the size and sha256 of every file it wrote, and nothing else is in the folder", async () => {
    const listed = manifestFiles(first.manifest);
    for (const f of listed) {
      const bytes = await readFile(join(first.dir, f.path));
      expect({
        path: f.path,
        bytes: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      }).toEqual(f);
    }
    const { stdout } = await run("find", [first.dir, "-type", "f", "-printf", "%P\\n"]);
    expect(stdout.trim().split("\n").sort()).toEqual(listed.map((f) => f.path).sort());
  });

  it("counts the rows of every table as the source has them; partitions carry the rows", async () => {
    for (const t of first.manifest.tables) {
      const [{ n }] = (await db.sql.unsafe(
        `select count(*)::int as n from only ${quote(t.schema)}.${quote(t.name)}`,
      )) as unknown as [{ n: number }];
      expect({ table: `${t.schema}.${t.name}`, rows: t.rows }).toEqual({
        table: `${t.schema}.${t.name}`,
        rows: n,
      });
    }
    const parent = first.manifest.tables.find(
      (t) => t.schema === "public" && t.name === "measurements",
    );
    expect(parent?.kind).toBe("partitioned");
    expect(parent?.files.map((f) => f.path.split("/").pop())).toEqual(["schema.sql"]);
    expect(
      first.manifest.tables.filter((t) => t.kind === "partition").length,
    ).toBeGreaterThanOrEqual(5);
  });

  it("puts every entry of pg_dump's schema output in exactly one file", async () => {
    const { stdout } = await run("pg_dump", ["--schema-only", db.url], { maxBuffer: 256 << 20 });
    const files = manifestFiles(first.manifest).filter((f) =>
      /(^|\/)(schema|database)\.sql$/.test(f.path),
    );
    const ours = (await Promise.all(files.map((f) => first.text(f.path)))).join("\n");
    expect(sqlLines(ours)).toEqual(sqlLines(stdout));
  });

  it("records pg_dump's order of every schema entry in toc.tsv, each line naming a real entry", async () => {
    const toc = (await first.text("toc.tsv")).trim().split("\n").slice(1);
    const { stdout } = await run("pg_dump", ["--schema-only", db.url], { maxBuffer: 256 << 20 });
    expect(toc).toHaveLength(stdout.split("\n").filter((l) => l.startsWith("-- Name: ")).length);
    const sections = new Map<string, number>();
    for (const f of manifestFiles(first.manifest).filter((x) =>
      /(^|\/)(schema|database)\.sql$/.test(x.path),
    )) {
      const text = await first.text(f.path);
      const [pre = "", post = ""] = text.split("-- tablesnap:section post-data\n");
      sections.set(
        `pre-data\t${f.path}`,
        pre.split("\n").filter((l) => l.startsWith("-- Name: ")).length,
      );
      sections.set(
        `post-data\t${f.path}`,
        post.split("\n").filter((l) => l.startsWith("-- Name: ")).length,
      );
    }
    const used = new Map<string, number>();
    for (const line of toc) {
      const [section, file, n] = line.split("\t");
      const key = `${section}\t${file}`;
      expect({ line, max: sections.get(key) }).toEqual({ line, max: expect.any(Number) });
      expect(Number(n)).toBe((used.get(key) ?? 0) + 1);
      used.set(key, Number(n));
    }
    expect(used).toEqual(new Map([...sections].filter(([, count]) => count > 0)));
    // Order matters across files: the view app.order_summary (in app/schema.sql) reads the tables
    // app.orders and public.customers (each in its own file), so it must come after both.
    const appPre =
      (await first.text("app/schema.sql")).split("-- tablesnap:section post-data\n")[0] ?? "";
    const names = appPre.split("\n").filter((l) => l.startsWith("-- Name: "));
    const view = names.findIndex((l) => l.startsWith("-- Name: order_summary; Type: VIEW;")) + 1;
    const at = (line: string) => toc.indexOf(line);
    expect(view).toBeGreaterThan(0);
    expect(at("pre-data\tapp/tables/orders/schema.sql\t1")).toBeGreaterThan(0);
    expect(at(`pre-data\tapp/schema.sql\t${view}`)).toBeGreaterThan(
      at("pre-data\tapp/tables/orders/schema.sql\t1"),
    );
    expect(at(`pre-data\tapp/schema.sql\t${view}`)).toBeGreaterThan(
      at("pre-data\tpublic/tables/customers/schema.sql\t1"),
    );
  });

  it("writes data files that psql loads into a copy equal to the source, table by table", async () => {
    const split = await backupToDisk(db.url, { maxFileBytes: 64 * 1024, customDump: false });
    expect(
      split.manifest.tables.some((t) => t.files.filter((f) => f.path.includes("/data")).length > 1),
    ).toBe(true);
    for (const t of split.manifest.tables) {
      for (const f of t.files.filter((x) => x.path.includes("/data.part-"))) {
        const text = await split.text(f.path);
        expect(text.startsWith("SET client_encoding = 'UTF8';\nCOPY ")).toBe(true);
        // Only a row larger than the limit may make a part bigger than it.
        if (f.bytes > 64 * 1024) expect(text.split("\n").length).toBeLessThanOrEqual(6);
      }
    }
    const target = await createScratchDatabase("tsnap_load");
    try {
      const pre = await run("pg_dump", ["--schema-only", "--section=pre-data", db.url], {
        maxBuffer: 256 << 20,
      });
      await psql(target.url, { command: pre.stdout.replace(/^\\(un)?restrict .*$/gm, "") });
      for (const t of split.manifest.tables) {
        for (const f of t.files.filter((x) => /\/data(\.part-\d+)?\.sql$/.test(x.path))) {
          await psql(target.url, { file: join(split.dir, f.path) });
        }
      }
      for (const sch of split.manifest.schemas) {
        for (const f of sch.files.filter((x) => x.path.endsWith("/sequences.sql"))) {
          await psql(target.url, { file: join(split.dir, f.path) });
        }
      }
      for (const t of split.manifest.tables.filter((x) => x.kind !== "partitioned")) {
        // The target has no keys yet (post-data is not loaded): read both in the source's order.
        const shape = await tableShape(db, t.schema, t.name);
        const want = await tableDigest(db, shape);
        const got = await tableDigest(target, shape);
        expect({ table: `${t.schema}.${t.name}`, ...got }).toEqual({
          table: `${t.schema}.${t.name}`,
          ...want,
        });
      }
      const seq = await psql(target.url, {
        command: "select last_value from app.invoice_number_seq",
      });
      expect(seq).toContain("5005");
    } finally {
      await target.drop();
    }
  });

  it("gives byte-identical files, archives included, for an unchanged database", async () => {
    const second = await backupToDisk(db.url);
    const stable = (m: BackupOnDisk["manifest"]) =>
      manifestFiles(m).map((f) => `${f.path} ${f.sha256}`);
    expect(stable(second.manifest)).toEqual(stable(first.manifest));
    expect(second.manifest.backup_id).not.toBe(first.manifest.backup_id);
  });

  it("records sequence values: owned ones in the table's data, free ones in sequences.sql", async () => {
    const customers = first.manifest.tables.find(
      (t) => t.schema === "public" && t.name === "customers",
    );
    expect(customers?.sequences).toEqual([
      { name: "customers_id_seq", value: "5", is_called: true },
    ]);
    const free = await first.text("app/sequences.sql");
    expect(free).toContain("SELECT pg_catalog.setval('app.invoice_number_seq', 5005, true);");
    const standalone = await first.text("public/sequences.sql");
    expect(standalone).toContain(
      "SELECT pg_catalog.setval('public.standalone_counter', 42, false);",
    );
  });

  it("dumps the roles and a custom-format archive per schema that pg_restore can read", async () => {
    expect(await first.text("roles.sql")).toMatch(/CREATE ROLE postgres;/);
    const app = first.manifest.schemas.find((s) => s.name === "app");
    expect(app?.files.map((f) => f.path)).toEqual([
      "app/schema.sql",
      "app/sequences.sql",
      "app/app.dump",
    ]);
    const { stdout } = await run("pg_restore", ["--list", join(first.dir, "app/app.dump")]);
    expect(stdout).toMatch(/TABLE DATA app nasty_text/);
    // pg_dump's creation time is fixed, so an unchanged schema gives the same archive.
    expect(stdout).toMatch(/Archive created at 1970-01-01 00:00:00/);
  });

  it("restores public's archive into an empty database the way docs/operations.md says", async () => {
    const target = await createScratchDatabase("tsnap_pgr");
    try {
      const archive = join(first.dir, "public/public.dump");
      // `public` exists in every new database: its CREATE SCHEMA is left out of the list.
      const { stdout: list } = await run("pg_restore", ["--list", archive]);
      const kept = list
        .split("\n")
        .filter((l) => !/ SCHEMA - public /.test(l))
        .join("\n");
      const listFile = `${first.dir}.public.list`;
      await writeFile(listFile, kept);
      await run("pg_restore", [
        "--use-list",
        listFile,
        "--exit-on-error",
        "-d",
        target.url,
        archive,
      ]);
      const [row] = await target.sql`select count(*)::int as n from public.big_table`;
      expect(row).toEqual({ n: 5000 });
    } finally {
      await target.drop();
    }
  });
});

describe("role password hashes", () => {
  const role = `tsnap_pw_${process.pid}`;
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_pw");
    await db.sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'not-in-git'`);
  });
  afterAll(async () => {
    await db?.sql.unsafe(`DROP ROLE IF EXISTS ${role}`);
    await db?.drop();
  });

  it("are never written by default, even where pg_authid is readable", async () => {
    const b = await backupToDisk(db.url, { customDump: false });
    const roles = await b.text("roles.sql");
    expect(roles).toContain(`CREATE ROLE ${role};`);
    expect(roles).not.toMatch(/PASSWORD|SCRAM-SHA-256/);
    expect(b.manifest.roles.passwords).toBe(false);
  });

  it("are written when asked for, and the manifest says so", async () => {
    const b = await backupToDisk(db.url, { customDump: false, rolePasswords: true });
    expect(await b.text("roles.sql")).toMatch(
      new RegExp(`ALTER ROLE ${role} WITH .*PASSWORD 'SCRAM-SHA-256\\$`),
    );
    expect(b.manifest.roles.passwords).toBe(true);
  });
});

/** Statement lines of a schema script: no comments, blank lines or psql restrict lines. */
function sqlLines(script: string): string[] {
  return script
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("--") && !/^\\(un)?restrict /.test(l))
    .sort();
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
