import type { Context } from "hono";
import { GitHubApiError, invalidRequest } from "./errors.ts";

export type Json = Readonly<Record<string, unknown>>;

/** The request's JSON object; GitHub answers 400 `Problems parsing JSON` otherwise. */
export async function readJson(c: Context): Promise<Json> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Json;
  } catch {
    // answered below
  }
  throw new GitHubApiError(400, "Problems parsing JSON");
}

/** How GitHub's validator (Ruby) prints a value in its messages. */
function show(value: unknown): string {
  return value === null ? "nil" : JSON.stringify(value);
}

export function wrongType(path: string, value: unknown, type: string): GitHubApiError {
  return invalidRequest(`For '${path}', ${show(value)} is not ${type}.`);
}

export const missing = (field: string): GitHubApiError =>
  invalidRequest(`"${field}" wasn't supplied.`);

export function reqString(body: Json, field: string, path = `properties/${field}`): string {
  const v = body[field];
  if (v === undefined) throw missing(field);
  if (typeof v !== "string") throw wrongType(path, v, "a string");
  return v;
}

export function optString(body: Json, field: string, path = `properties/${field}`) {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw wrongType(path, v, "a string");
  return v;
}

export function optBool(body: Json, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw wrongType(`properties/${field}`, v, "a boolean");
  return v;
}

export function optObject(body: Json, field: string): Json | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw wrongType(`properties/${field}`, v, "an object");
  return v as Json;
}

export function optArray(body: Json, field: string): readonly unknown[] | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw wrongType(`properties/${field}`, v, "an array");
  return v;
}

/** A 40-hex object id, as the git data endpoints require. */
export const isSha = (value: string): boolean => /^[0-9a-f]{40}$/.test(value);
