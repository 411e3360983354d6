import { describe, expect, it } from "vitest";
import { dependencies, references } from "./deps.ts";
import { objectKey } from "./inventory.ts";
import type { SchemaScript, ScriptEntry } from "./script.ts";

const e = (type: string, schema: string, name: string, text = ""): ScriptEntry => ({
  type,
  schema,
  name,
  owner: "app",
  text,
});

describe("dependencies of a partial restore", () => {
  it("finds qualified names in code and in strings", () => {
    expect(references(`nextval('public.seq'::regclass) CHECK ("My Schema"."Odd Fn"(x))`)).toEqual(
      new Set(["public.seq", "My Schema.Odd Fn"]),
    );
  });

  it("brings the overload the target lacks with its own grants, not the other one's", () => {
    const script: SchemaScript = {
      preamble: "",
      sections: {
        "pre-data": [
          e("FUNCTION", "public", "f(integer)"),
          e("FUNCTION", "public", "f(text)"),
          e("ACL", "public", "FUNCTION f(n integer)"),
          e("ACL", "public", "FUNCTION f(t text)"),
        ],
        "post-data": [],
      },
    };
    const table = { file: "t.sql", entry: e("TABLE", "public", "t", "CHECK (public.f(n))") };
    const d = dependencies([table], new Map([["public/schema.sql", script]]), {
      keys: new Set([objectKey("FUNCTION", "public", "f(text)")]),
      owners: new Map(),
    });
    expect(d.objects).toEqual(["FUNCTION public.f(integer)"]);
    expect(d.entries.map((p) => `${p.entry.type} ${p.entry.name}`)).toEqual([
      "FUNCTION f(integer)",
      "ACL FUNCTION f(n integer)",
    ]);
  });
});
