import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import formatsModule from "ajv-formats";

// ajv-formats is CommonJS: Node hands its module object to a default import, whose
// `.default` is the plugin (and what its types describe).
const addFormats = formatsModule.default;

type Schema = Record<string, unknown>;

/**
 * GitHub's OpenAPI 3.0 description turned into JSON Schema that Ajv reads: `nullable: true`
 * becomes `anyOf: [schema, {type: null}]` (Ajv's own `nullable` needs a `type` beside it,
 * which GitHub's `anyOf` + `nullable` schemas lack). `oneOf` is read as `anyOf`: GitHub's
 * alternatives overlap (a 422 of create-a-blob is `oneOf` validation-error and
 * rule-violation-error, and every body of one is a body of the other), so `oneOf` as
 * written rejects every real answer.
 */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (value === null || typeof value !== "object") return value;
  const out: Schema = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== "nullable") out[k === "oneOf" ? "anyOf" : k] = toJsonSchema(v);
  }
  return (value as Schema)["nullable"] === true ? { anyOf: [out, { type: "null" }] } : out;
}

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, Schema> }>>;
  components: { responses: Record<string, Schema>; schemas: Record<string, Schema> };
}

let loaded: { spec: Spec; ajv: Ajv } | undefined;

function load(): { spec: Spec; ajv: Ajv } {
  if (loaded) return loaded;
  const file = createRequire(import.meta.url).resolve(
    "@octokit/openapi/generated/api.github.com.json",
  );
  const spec = toJsonSchema(JSON.parse(readFileSync(file, "utf8"))) as Spec;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addFormat("int64", true).addFormat("int32", true);
  ajv.addSchema({ components: spec.components }, "gh");
  loaded = { spec, ajv };
  return loaded;
}

/** Points the spec's local `#/components/...` references at the registered document. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value === null || typeof value !== "object") return value;
  const out: Schema = {};
  for (const [k, v] of Object.entries(value))
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `gh${v}` : rebase(v);
  return out;
}

const compiled = new Map<string, ValidateFunction>();

/**
 * The JSON schema GitHub documents for `method path` answering `status`; for an error status
 * the operation does not document, GitHub's `basic-error`. `undefined` for bodiless answers.
 */
function validatorFor(method: string, path: string, status: number): ValidateFunction | undefined {
  const key = `${method} ${path} ${status}`;
  const known = compiled.get(key);
  if (known) return known;
  const { spec, ajv } = load();
  const op = spec.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`GitHub's OpenAPI description has no operation ${method} ${path}`);
  let response = op.responses[String(status)];
  const ref = response?.["$ref"];
  if (typeof ref === "string") response = spec.components.responses[ref.split("/").at(-1) ?? ""];
  let schema = (response?.["content"] as Record<string, Schema> | undefined)?.[
    "application/json"
  ]?.["schema"];
  if (!response && status >= 400) schema = { $ref: "#/components/schemas/basic-error" };
  if (!schema) return undefined;
  const validate = ajv.compile(rebase(schema) as Schema);
  compiled.set(key, validate);
  return validate;
}

/**
 * The operation's path template for a request URL: Octokit passes the template
 * (`/repos/{owner}/{repo}`) except when it follows a `link` header (an absolute URL) or the
 * caller wrote the path out.
 */
export function templateOf(method: string, url: string): string {
  if (url.includes("{")) return url;
  const path = new URL(url, "http://host.invalid").pathname;
  const m = method.toLowerCase();
  const found = Object.keys(load().spec.paths).find(
    (p) =>
      load().spec.paths[p]?.[m] !== undefined &&
      new RegExp(`^${p.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path),
  );
  return found ?? path;
}

/** Problems of `body` against GitHub's schema for the answer; empty when it conforms. */
export function schemaProblems(
  method: string,
  path: string,
  status: number,
  body: unknown,
): string[] {
  const validate = validatorFor(method, path, status);
  if (!validate || validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}

/** Whether GitHub documents `status` for the operation (vs. our fallback to basic-error). */
export function documentsStatus(method: string, path: string, status: number): boolean {
  return String(status) in (load().spec.paths[path]?.[method.toLowerCase()]?.responses ?? {});
}
