import { z } from "zod";
import { cronText, duration, repoName, urlText } from "./schemas.ts";
import type { ApiToken, Config, ConfigIssue, Env, GitHubAuth, S3Settings } from "./types.ts";

const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== ""),
  );
const port = z
  .string()
  .regex(/^\d+$/, { error: "expected a port number" })
  .transform(Number)
  .refine((n) => n <= 65_535, { error: "expected a port number up to 65535" });

const count = z
  .string()
  .regex(/^\d+$/, { error: "expected a whole number" })
  .transform(Number)
  .refine((n) => n <= 64, { error: "expected at most 64" });

/** Every variable tablesnap reads. Empty values count as unset. */
export const envSchema = z.object({
  TABLESNAP_CONFIG: z.string().optional(),
  TABLESNAP_DATABASE_URL: urlText.optional(),
  TABLESNAP_GITHUB_REPO: repoName.optional(),
  TABLESNAP_SCHEDULE: cronText.optional(),
  TABLESNAP_DEBOUNCE: duration.default(30),
  TABLESNAP_STATE_URL: urlText.optional(),
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  TABLESNAP_NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, { error: "letters, digits, - and _ only (up to 32)" })
    .default("tablesnap"),
  TABLESNAP_ACK_WAIT: duration
    .refine((n) => n > 0, { error: "expected a duration above 0" })
    .optional(),
  S3_ENDPOINT: urlText.optional(),
  S3_ACCESS_KEY: z.string().optional(),
  S3_SECRET_KEY: z.string().optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "not a valid bucket name" })
    .optional(),
  S3_REGION: z.string().default("us-east-1"),
  GITHUB_API_URL: urlText.default("https://api.github.com"),
  GITHUB_TOKEN: z.string().optional(),
  GITHUB_APP_ID: z.string().optional(),
  GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  GITHUB_APP_PRIVATE_KEY_FILE: z.string().optional(),
  GITHUB_APP_INSTALLATION_ID: z
    .string()
    .regex(/^\d+$/, { error: "expected a number" })
    .transform(Number)
    .optional(),
  GITHUB_WEBHOOK_SECRET: list,
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_WEBHOOK_URL: urlText.optional(),
  TABLESNAP_API_TOKEN: list,
  TABLESNAP_VIEWER_TOKEN: list,
  PORT: port.default(8080),
  TABLESNAP_WORKER_HOLDERS: count.default(2),
  TABLESNAP_WORKER_COPIES: count.default(2),
  TABLESNAP_AGE_IDENTITY: z.string().optional(),
  TABLESNAP_AGE_IDENTITY_FILE: z.string().optional(),
  TABLESNAP_TABLE_STALL: duration
    .refine((n) => n > 0, { error: "expected a duration above 0" })
    .default(300),
});
export type ParsedEnv = z.output<typeof envSchema>;

/** The environment without empty values (compose files often set `VAR=`). */
export function present(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== "") out[k] = v;
  return out;
}

function s3(e: ParsedEnv, issues: ConfigIssue[]): S3Settings | undefined {
  const vars = {
    S3_ENDPOINT: e.S3_ENDPOINT,
    S3_BUCKET: e.S3_BUCKET,
    S3_ACCESS_KEY: e.S3_ACCESS_KEY,
    S3_SECRET_KEY: e.S3_SECRET_KEY,
  };
  const missing = Object.entries(vars).filter(([, v]) => v === undefined);
  if (missing.length === 4) return undefined;
  for (const [k] of missing)
    issues.push({ path: k, message: "required when any S3_ variable is set" });
  const {
    S3_ENDPOINT: endpoint,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY: accessKey,
    S3_SECRET_KEY: secretKey,
  } = vars;
  if (
    endpoint === undefined ||
    bucket === undefined ||
    accessKey === undefined ||
    secretKey === undefined
  )
    return undefined;
  return { endpoint, bucket, accessKey, secretKey, region: e.S3_REGION };
}

/**
 * GitHub credentials from the environment, the one precedence every command and service uses: a
 * GitHub App when any `GITHUB_APP_*` variable is set (then all it needs must be), else
 * `GITHUB_TOKEN`, else none. Problems are named by variable.
 */
export function githubAuthFromEnv(
  env: Env,
  readFile: (p: string) => string,
): { auth: GitHubAuth | undefined; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const parsed = githubEnvSchema.safeParse(present(env));
  if (!parsed.success) {
    return {
      auth: undefined,
      issues: parsed.error.issues.map((i) => ({ path: String(i.path[0]), message: i.message })),
    };
  }
  const auth = githubAuth(parsed.data, readFile, issues);
  return { auth, issues };
}

const githubEnvSchema = envSchema.pick({
  GITHUB_TOKEN: true,
  GITHUB_APP_ID: true,
  GITHUB_APP_PRIVATE_KEY: true,
  GITHUB_APP_PRIVATE_KEY_FILE: true,
  GITHUB_APP_INSTALLATION_ID: true,
});

function githubAuth(
  e: Pick<
    ParsedEnv,
    | "GITHUB_TOKEN"
    | "GITHUB_APP_ID"
    | "GITHUB_APP_PRIVATE_KEY"
    | "GITHUB_APP_PRIVATE_KEY_FILE"
    | "GITHUB_APP_INSTALLATION_ID"
  >,
  readFile: (p: string) => string,
  issues: ConfigIssue[],
): GitHubAuth | undefined {
  const keyFile = e.GITHUB_APP_PRIVATE_KEY_FILE;
  if (
    e.GITHUB_APP_ID === undefined &&
    e.GITHUB_APP_PRIVATE_KEY === undefined &&
    keyFile === undefined
  ) {
    return e.GITHUB_TOKEN === undefined ? undefined : { kind: "token", token: e.GITHUB_TOKEN };
  }
  if (e.GITHUB_APP_ID === undefined)
    issues.push({ path: "GITHUB_APP_ID", message: "required with GITHUB_APP_PRIVATE_KEY(_FILE)" });
  if (e.GITHUB_APP_PRIVATE_KEY !== undefined && keyFile !== undefined) {
    issues.push({
      path: "GITHUB_APP_PRIVATE_KEY_FILE",
      message: "set GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE, not both",
    });
  }
  let key = e.GITHUB_APP_PRIVATE_KEY;
  if (key === undefined && keyFile !== undefined) {
    try {
      key = readFile(keyFile);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "unreadable";
      issues.push({
        path: "GITHUB_APP_PRIVATE_KEY_FILE",
        message: `cannot read ${keyFile} (${code})`,
      });
      return undefined;
    }
  }
  if (key === undefined) {
    issues.push({
      path: "GITHUB_APP_PRIVATE_KEY",
      message: "required with GITHUB_APP_ID (or GITHUB_APP_PRIVATE_KEY_FILE)",
    });
    return undefined;
  }
  // Keys pasted into one-line variables carry literal "\n".
  const privateKey = key.includes("\\n") ? key.replaceAll("\\n", "\n") : key;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    issues.push({
      path: keyFile === undefined ? "GITHUB_APP_PRIVATE_KEY" : "GITHUB_APP_PRIVATE_KEY_FILE",
      message: "not a PEM private key",
    });
  }
  if (e.GITHUB_APP_ID === undefined) return undefined;
  const installationId = e.GITHUB_APP_INSTALLATION_ID;
  return {
    kind: "app",
    appId: e.GITHUB_APP_ID,
    privateKey,
    ...(installationId === undefined ? {} : { installationId }),
  };
}

/** `name:token` or `token` entries; unnamed ones are `token-<n>` (operators) or `viewer-<n>`. */
function apiTokens(entries: readonly string[], role: ApiToken["role"]): ApiToken[] {
  const unnamed = role === "operator" ? "token" : "viewer";
  return entries.map((entry, i) => {
    const named = /^([A-Za-z][A-Za-z0-9_.-]{0,63}):(.+)$/.exec(entry);
    return named?.[1] !== undefined && named[2] !== undefined
      ? { name: named[1], token: named[2], role }
      : { name: `${unnamed}-${i + 1}`, token: entry, role };
  });
}

/** Everything but the targets, from the environment. */
export function settingsFromEnv(
  e: ParsedEnv,
  readFile: (path: string) => string,
  issues: ConfigIssue[],
): Omit<Config, "source" | "targets"> {
  const s3Settings = s3(e, issues);
  const auth = githubAuth(e, readFile, issues);
  return {
    port: e.PORT,
    ...(e.TABLESNAP_STATE_URL === undefined ? {} : { stateUrl: e.TABLESNAP_STATE_URL }),
    nats: {
      url: e.NATS_URL,
      prefix: e.TABLESNAP_NATS_PREFIX,
      ...(e.TABLESNAP_ACK_WAIT === undefined ? {} : { ackWaitSeconds: e.TABLESNAP_ACK_WAIT }),
    },
    ...(s3Settings === undefined ? {} : { s3: s3Settings }),
    github: {
      apiUrl: e.GITHUB_API_URL.replace(/\/+$/, ""),
      ...(auth === undefined ? {} : { auth }),
      webhookSecrets: e.GITHUB_WEBHOOK_SECRET,
    },
    slack: {
      ...(e.SLACK_SIGNING_SECRET === undefined ? {} : { signingSecret: e.SLACK_SIGNING_SECRET }),
      ...(e.SLACK_WEBHOOK_URL === undefined ? {} : { webhookUrl: e.SLACK_WEBHOOK_URL }),
    },
    api: {
      tokens: [
        ...apiTokens(e.TABLESNAP_API_TOKEN, "operator"),
        ...apiTokens(e.TABLESNAP_VIEWER_TOKEN, "viewer"),
      ],
    },
    worker: worker(e, issues),
    ageIdentity: {
      ...(e.TABLESNAP_AGE_IDENTITY === undefined ? {} : { text: e.TABLESNAP_AGE_IDENTITY }),
      ...(e.TABLESNAP_AGE_IDENTITY_FILE === undefined
        ? {}
        : { file: e.TABLESNAP_AGE_IDENTITY_FILE }),
    },
  };
}

function worker(e: ParsedEnv, issues: ConfigIssue[]): Config["worker"] {
  const w = {
    holders: e.TABLESNAP_WORKER_HOLDERS,
    copies: e.TABLESNAP_WORKER_COPIES,
    tableStallSeconds: e.TABLESNAP_TABLE_STALL,
  };
  if (w.holders === 0 && w.copies === 0) {
    issues.push({
      path: "TABLESNAP_WORKER_COPIES",
      message: "cannot be 0 while TABLESNAP_WORKER_HOLDERS is 0: the worker would do nothing",
    });
  }
  return w;
}
