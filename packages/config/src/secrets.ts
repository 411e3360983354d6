import type { ConfigIssue } from "./types.ts";

/** Setting names that hold secrets; the file may only name the variable (`…_env`). */
const SECRET_KEY =
  /(^|_)(password|passwd|pwd|secret|secrets|token|tokens|key|private_key|credentials?|auth)$/i;
/** Values that are secrets whatever their key: GitHub and Slack tokens, PEM private keys. */
const SECRET_VALUE =
  /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|xox[abprs]-[\w-]{10,})$|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export const joinPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, k) => {
    if (typeof k === "number") return `${acc}[${k}]`;
    return acc === "" ? String(k) : `${acc}.${String(k)}`;
  }, "");

const LITERAL = "secrets may not be written in the config file: put it in an environment variable";

function secretAt(k: string | number, v: unknown): string | undefined {
  if (typeof v === "string" && SECRET_VALUE.test(v.trim()))
    return `looks like a secret; ${LITERAL}`;
  if (typeof k === "number" || !SECRET_KEY.test(k) || k.endsWith("_env")) return undefined;
  if (v === null || typeof v === "object") return undefined;
  return `${LITERAL} and name that with ${k}_env`;
}

/**
 * Finds secrets written into the config file and returns a copy without them, so each is
 * reported once (as a secret, not also as an unknown setting). Messages never hold the value.
 */
export function stripSecrets(
  value: unknown,
  issues: ConfigIssue[],
  path: PropertyKey[] = [],
): unknown {
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).map(
    ([k, v]) => [Array.isArray(value) ? Number(k) : k, v] as const,
  );
  const kept: (readonly [string | number, unknown])[] = [];
  for (const [k, v] of entries) {
    const problem = secretAt(k, v);
    if (problem !== undefined) issues.push({ path: joinPath([...path, k]), message: problem });
    else kept.push([k, stripSecrets(v, issues, [...path, k])]);
  }
  return Array.isArray(value) ? kept.map(([, v]) => v) : Object.fromEntries(kept);
}

/** Whether a URL carries a password (`user:pass@`, or a password-like query parameter). */
export function urlHasPassword(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const u = new URL(text);
  return u.password !== "" || [...u.searchParams.keys()].some((k) => SECRET_KEY.test(k));
}

const SAFE_QUERY = new Set([
  "sslmode",
  "application_name",
  "connect_timeout",
  "options",
  "target_session_attrs",
]);

/** A URL fit for logs: user, password and secret-looking query values hidden. */
export function maskUrl(text: string): string {
  if (!URL.canParse(text)) return "[redacted]";
  const u = new URL(text);
  const keys = [...u.searchParams.keys()].filter((k) => !SAFE_QUERY.has(k.toLowerCase()));
  if (u.username === "" && u.password === "" && keys.length === 0) return text;
  if (u.username !== "" || u.password !== "") {
    u.username = "***";
    u.password = "";
  }
  for (const k of keys) u.searchParams.set(k, "***");
  return u.toString();
}
