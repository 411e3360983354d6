import { MemoryBus } from "@tablesnap/bus";
import { envConfig, silent, TOKENS } from "@tablesnap/http/testing";
import { MemoryStateStore } from "@tablesnap/state";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { LAST_SUCCESS, seedRuns } from "../test/seed.ts";
import { statusApp } from "./app.ts";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

/**
 * The document with every object closed: a response field the document does not list fails,
 * so the document cannot drift from what the routes send.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema))
    out[k] = k === "properties" ? mapValues(v) : closed(v);
  if ("properties" in out && !("additionalProperties" in out)) out["unevaluatedProperties"] = false;
  return out;
}

function mapValues(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).map(([k, s]) => [k, closed(s)]));
}

interface Doc {
  components: { schemas: Record<string, unknown> };
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
}

function validatorFor(doc: Doc, path: string, status: number) {
  const schema =
    doc.paths[path]?.["get"]?.responses[String(status)]?.content?.["application/json"]?.schema;
  if (schema === undefined) throw new Error(`no schema for GET ${path} ${status}`);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile({ ...(closed(schema) as object), components: closed(doc.components) });
}

describe("the OpenAPI document against real responses", () => {
  it("describes every field of every GET response of the status API, errors included", async () => {
    const state = new MemoryStateStore();
    const ids = await seedRuns(state);
    const now = new Date(LAST_SUCCESS.getTime() + 7_200_000);
    const app = statusApp({
      config: envConfig(),
      state,
      bus: new MemoryBus(),
      now: () => now,
      logger: silent,
    });
    const cases: [string, string][] = [
      ["/api/v1/targets", "/api/v1/targets"],
      ["/api/v1/targets/{target}", "/api/v1/targets/default"],
      ["/api/v1/targets/{target}/runs", "/api/v1/targets/default/runs?limit=50"],
      ["/api/v1/targets/{target}/freshness", "/api/v1/targets/default/freshness"],
      ["/api/v1/runs/{id}", `/api/v1/runs/${ids.succeeded}`],
      ["/api/v1/runs/{id}", "/api/v1/runs/nope"],
      ["/api/v1/triggers/{id}", "/api/v1/triggers/default-s1"],
      ["/api/v1/triggers/{id}", "/api/v1/triggers/nope"],
    ];
    const doc = (await (await app.request("/api/v1/openapi.json")).json()) as Doc;
    const problems: string[] = [];
    for (const [template, url] of cases) {
      const res = await app.request(url, { headers: { authorization: `Bearer ${TOKENS.ci}` } });
      const validate = validatorFor(doc, template, res.status);
      if (!validate(await res.json()))
        problems.push(`${url} ${res.status}: ${JSON.stringify(validate.errors)}`);
    }
    expect(problems).toEqual([]);
  });
});
