import { PLAIN, scanLine } from "@tablesnap/core";
import { describe, expect, it } from "vitest";
import { parseDump } from "./parse.ts";

const header = (id: number, name: string, type: string) => [
  "--",
  `-- TOC entry ${id} (class 1259 OID ${id})`,
  `-- Name: ${name}; Type: ${type}; Schema: public; Owner: postgres`,
  "--",
  "",
];

describe("scanLine", () => {
  it("follows strings, escape strings, identifiers, dollar quotes and nested comments", () => {
    expect(scanLine("select 'a''b' as x -- 'not a string", PLAIN)).toEqual(PLAIN);
    expect(scanLine("select 'open", PLAIN)).toEqual({ kind: "string", escapes: false });
    expect(scanLine("select E'it\\'s", PLAIN)).toEqual({ kind: "string", escapes: true });
    expect(scanLine("select E'it\\'s'", PLAIN)).toEqual(PLAIN);
    expect(scanLine('create table "a""b', PLAIN)).toEqual({ kind: "ident" });
    expect(scanLine("as $fn$ begin", PLAIN)).toEqual({ kind: "dollar", tag: "fn" });
    expect(scanLine("end $x$ $fn$;", { kind: "dollar", tag: "fn" })).toEqual(PLAIN);
    expect(scanLine("select $1, a$b$c", PLAIN)).toEqual(PLAIN);
    expect(scanLine("/* a /* b */", PLAIN)).toEqual({ kind: "comment", depth: 1 });
    expect(scanLine("c */ select 1", { kind: "comment", depth: 1 })).toEqual(PLAIN);
  });
});

describe("parseDump", () => {
  it("does not take header-like or trailer-like lines inside a function body or a string as structure", () => {
    const script = [
      "SET x = 1;",
      "",
      ...header(10, "f()", "FUNCTION"),
      "CREATE FUNCTION public.f() RETURNS text LANGUAGE sql AS $_$",
      ...header(99, "evil", "TABLE"),
      "-- PostgreSQL database dump complete",
      "select 'x'",
      "$_$;",
      "",
      ...header(11, "TABLE t", "COMMENT"),
      "COMMENT ON TABLE public.t IS '",
      ...header(98, "evil2", "TABLE"),
      "';",
      "",
      ...header(12, "t", "TABLE"),
      "CREATE TABLE public.t (id int);",
      "",
      "--",
      "-- PostgreSQL database dump complete",
      "--",
      "",
    ].join("\n");
    const parsed = parseDump(script);
    expect(parsed.entries.map((e) => [e.dumpId, e.desc])).toEqual([
      [10, "FUNCTION"],
      [11, "COMMENT"],
      [12, "TABLE"],
    ]);
    expect(parsed.entries[0]?.text).toContain("-- Name: evil; Type: TABLE");
    expect(parsed.entries[0]?.text).toContain("$_$;");
    expect(parsed.entries[2]?.text).toContain("CREATE TABLE public.t (id int);");
    expect(parsed.trailer).toContain("PostgreSQL database dump complete");
  });
});
