import { describe, expect, it } from "vitest";
import { hasSql, parseSchemaScript, statementOf } from "./script.ts";

const header = (name: string, type: string, schema = "app", owner = "postgres") =>
  `--\n-- Name: ${name}; Type: ${type}; Schema: ${schema}; Owner: ${owner}\n--\n`;

describe("parseSchemaScript", () => {
  it("splits sections into entries with their header fields", () => {
    const text = [
      "SET client_encoding = 'UTF8';",
      "-- tablesnap:section pre-data",
      "",
      `${header("t", "TABLE")}\nCREATE TABLE app.t (id int);\n`,
      "-- tablesnap:section post-data",
      "",
      `${header("t t_pkey", "CONSTRAINT")}\nALTER TABLE ONLY app.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n`,
    ].join("\n");
    const s = parseSchemaScript("x.sql", text);
    expect(s.preamble).toBe("SET client_encoding = 'UTF8';");
    expect(s.sections["pre-data"].map((e) => [e.name, e.type, e.schema, e.owner])).toEqual([
      ["t", "TABLE", "app", "postgres"],
    ]);
    expect(s.sections["pre-data"][0]?.text).toContain("CREATE TABLE app.t (id int);");
    expect(s.sections["post-data"].map((e) => e.type)).toEqual(["CONSTRAINT"]);
  });

  it("does not split inside a function body that contains a header", () => {
    const body = `${header("f()", "FUNCTION")}\nCREATE FUNCTION app.f() RETURNS text AS $$\nselect '\n${header("evil", "TABLE")}'\n$$ LANGUAGE sql;\n`;
    const s = parseSchemaScript("x.sql", `-- tablesnap:section pre-data\n${body}`);
    expect(s.sections["pre-data"]).toHaveLength(1);
    expect(s.sections["pre-data"][0]?.text).toContain("evil");
  });

  it("drops pg_dump 17.6's \\restrict lines and refuses other meta-commands", () => {
    const ok = `\\restrict abc123\nSET x = 1;\n-- tablesnap:section pre-data\n${header("t", "TABLE")}\nCREATE TABLE t ();\n\\unrestrict abc123\n`;
    const s = parseSchemaScript("x.sql", ok);
    expect(s.preamble).not.toContain("restrict");
    expect(s.sections["pre-data"][0]?.text).not.toContain("restrict");
    expect(() => parseSchemaScript("y.sql", "\\! rm -rf /\n")).toThrow(
      /y\.sql, line 1: psql meta-command "\\\\!" is not supported/,
    );
  });

  it("keeps a backslash line that is inside a string", () => {
    const text = `-- tablesnap:section pre-data\n${header("c", "COMMENT")}\nCOMMENT ON TABLE t IS '\n\\! not a command';\n`;
    expect(parseSchemaScript("x.sql", text).sections["pre-data"][0]?.text).toContain("\\! not");
  });
});

describe("statementOf and hasSql", () => {
  it("shortens an entry to its SQL", () => {
    expect(statementOf(`${header("t", "TABLE")}\nCREATE TABLE t (\n  id int\n);\n`)).toBe(
      "CREATE TABLE t ( id int );",
    );
    expect(statementOf(`SELECT '${"x".repeat(300)}'`)).toHaveLength(200);
  });

  it("tells comment-only entries apart", () => {
    expect(hasSql("--\n-- only a comment\n")).toBe(false);
    expect(hasSql("-- c\nSELECT 1;")).toBe(true);
  });
});
