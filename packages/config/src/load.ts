import { readFileSync } from "node:fs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { envSchema, type ParsedEnv, present, settingsFromEnv } from "./env.ts";
import { ConfigError } from "./errors.ts";
import { fileSchema } from "./file.ts";
import { joinPath, stripSecrets } from "./secrets.ts";
import { targetFromEnv, targetsFromFile } from "./targets.ts";
import type { Config, ConfigIssue, Env } from "./types.ts";

export interface LoadOptions {
  /** Reads TABLESNAP_CONFIG and GITHUB_APP_PRIVATE_KEY_FILE; default: the file system. */
  readonly readFile?: (path: string) => string;
}

/** zod's issues as ours: "required" for a missing value, unknown keys named one by one. */
function toIssues(error: z.ZodError, prefix = ""): ConfigIssue[] {
  return error.issues.flatMap((i) => {
    const path = joinPath(i.path);
    const at = (p: string) => (prefix === "" ? p : p === "" ? prefix : `${prefix}: ${p}`);
    if (i.code === "unrecognized_keys") {
      return i.keys.map((k) => ({
        path: at(path === "" ? k : `${path}.${k}`),
        message: "unknown setting",
      }));
    }
    // A bad record key: zod's own message is generic, the key's schema says what is wrong.
    const message = i.code === "invalid_key" ? (i.issues[0]?.message ?? i.message) : i.message;
    return [{ path: at(path === "" ? "(top level)" : path), message }];
  });
}

const required = (iss: { code?: string; input?: unknown }) =>
  iss.code === "invalid_type" && iss.input === undefined ? "required" : undefined;

/** The environment, leaving out (and reporting) the variables whose values are wrong. */
function parseEnv(env: Env, issues: ConfigIssue[]): ParsedEnv {
  const input = present(env);
  const first = envSchema.safeParse(input, { error: required });
  if (first.success) return first.data;
  issues.push(...toIssues(first.error));
  for (const i of first.error.issues) delete input[String(i.path[0])];
  return envSchema.parse(input);
}

const UNPARSED = Symbol("unparsed");

function parseText(text: string, path: string, issues: ConfigIssue[]): unknown {
  try {
    return path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // Say where, never what: the line might hold something secret.
    const where =
      error instanceof YAMLParseError && error.linePos !== undefined
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col} (${error.code})`
        : "";
    issues.push({ path: "TABLESNAP_CONFIG", message: `cannot parse ${path}${where}` });
    return UNPARSED;
  }
}

/**
 * Builds the configuration from the environment and, when TABLESNAP_CONFIG names one (or
 * `fileText` is given), a YAML or JSON file of targets. Throws one ConfigError listing every
 * problem. Secrets come only from the environment; a file holding one is refused.
 *
 * @example
 * const config = loadConfig(process.env);
 * log.info({ config: redact(config) }, "starting");
 */
export function loadConfig(env: Env, fileText?: string, options: LoadOptions = {}): Config {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  const issues: ConfigIssue[] = [];
  const e = parseEnv(env, issues);
  const settings = settingsFromEnv(e, readFile, issues);

  const filePath = e.TABLESNAP_CONFIG ?? "config";
  let text = fileText;
  if (text === undefined && e.TABLESNAP_CONFIG !== undefined) {
    try {
      text = readFile(e.TABLESNAP_CONFIG);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "unreadable";
      issues.push({ path: "TABLESNAP_CONFIG", message: `cannot read ${filePath} (${code})` });
    }
  }
  let config: Config | undefined;
  if (text === undefined) {
    if (e.TABLESNAP_CONFIG === undefined)
      config = { source: "env", ...settings, targets: [targetFromEnv(e, issues)] };
  } else {
    const parsed = parseText(text, filePath, issues);
    const file =
      parsed === UNPARSED
        ? undefined
        : fileSchema.safeParse(stripSecrets(parsed ?? {}, issues), { error: required });
    if (file?.success === false) issues.push(...toIssues(file.error));
    if (file?.success === true) {
      const targets = targetsFromFile(file.data, env, e, issues);
      config = { source: "file", ...settings, targets };
    }
  }
  if (issues.length > 0 || config === undefined) throw new ConfigError(issues);
  return config;
}
