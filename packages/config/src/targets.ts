import { messageOf } from "@tablesnap/core";
import { type EncryptionSettings, parseRecipients, tableMatcher } from "@tablesnap/encryption";
import type { ParsedEnv } from "./env.ts";
import type { ConfigFile, FileTarget } from "./file.ts";
import type {
  BackupRepository,
  ConfigIssue,
  DrillSettings,
  Env,
  Schedule,
  StorageSettings,
  TargetConfig,
} from "./types.ts";

/** What a target gets when it does not say: the documented defaults. */
export const TARGET_DEFAULTS = {
  branches: { defaultBranch: true, names: ["dev"] },
  retention: { keep: 30, keepDays: 30 },
  freshnessLimitSeconds: 26 * 3600,
  timeLimitSeconds: 6 * 3600,
} as const;
export const DEFAULT_BRANCH = "@default";

function githubRepo(full: string, branch?: string): BackupRepository {
  const [owner = "", repo = ""] = full.split("/");
  return { kind: "github", owner, repo, ...(branch === undefined ? {} : { branch }) };
}

function repository(r: FileTarget["repository"]): BackupRepository {
  if (typeof r === "string") return githubRepo(r);
  const branch = r.branch === undefined ? {} : { branch: r.branch };
  if ("github" in r) return githubRepo(r.github, r.branch);
  if ("path" in r) return { kind: "local", path: r.path, ...branch };
  return { kind: "git", remote: r.git, ...branch };
}

function schedules(list: FileTarget["schedules"], path: string, issues: ConfigIssue[]): Schedule[] {
  const out = (list ?? []).map((s, i) =>
    typeof s === "string" ? { name: i === 0 ? "schedule" : `schedule-${i + 1}`, cron: s } : s,
  );
  const seen = new Set<string>();
  for (const [i, s] of out.entries()) {
    if (seen.has(s.name))
      issues.push({ path: `${path}.schedules[${i}].name`, message: `"${s.name}" is used twice` });
    seen.add(s.name);
  }
  return out;
}

function databaseUrl(t: FileTarget, path: string, env: Env, issues: ConfigIssue[]): string {
  if (t.database_url !== undefined && t.database_url_env !== undefined) {
    issues.push({
      path: `${path}.database_url`,
      message: "set database_url or database_url_env, not both",
    });
  }
  if (t.database_url !== undefined) {
    return t.database_url;
  }
  if (t.database_url_env === undefined) {
    issues.push({
      path: `${path}.database_url`,
      message: "required (or database_url_env: the environment variable holding it)",
    });
    return "";
  }
  const url = env[t.database_url_env];
  if (url === undefined || url.trim() === "") {
    issues.push({
      path: `${path}.database_url_env`,
      message: `environment variable ${t.database_url_env} is not set`,
    });
    return "";
  }
  if (!URL.canParse(url)) issues.push({ path: t.database_url_env, message: "not a valid URL" });
  return url;
}

export function targetsFromFile(
  file: ConfigFile,
  env: Env,
  e: ParsedEnv,
  issues: ConfigIssue[],
): TargetConfig[] {
  return Object.entries(file.targets).map(([name, t]) => {
    const path = `targets.${name}`;
    const branches =
      t.branches === undefined
        ? TARGET_DEFAULTS.branches
        : {
            defaultBranch: t.branches.includes(DEFAULT_BRANCH),
            names: t.branches.filter((b) => b !== DEFAULT_BRANCH),
          };
    const repo = repository(t.repository);
    if (t.retention?.prune_history && repo.kind === "git")
      issues.push({
        path: `${path}.retention.prune_history`,
        message:
          "history rotation works on a repository on disk or on GitHub, not on a git remote (prune a clone and push it)",
      });
    return {
      name,
      databaseUrl: databaseUrl(t, path, env, issues),
      repository: repo,
      branches,
      repositories: t.repositories ?? "all",
      schedules: schedules(t.schedules, path, issues),
      retention: {
        keep: t.retention?.keep ?? TARGET_DEFAULTS.retention.keep,
        keepDays: t.retention?.keep_days ?? TARGET_DEFAULTS.retention.keepDays,
        ...(t.retention?.prune_history ? { pruneHistory: t.retention.prune_history } : {}),
      },
      debounceSeconds: t.debounce ?? e.TABLESNAP_DEBOUNCE,
      freshnessLimitSeconds: t.freshness_limit ?? TARGET_DEFAULTS.freshnessLimitSeconds,
      timeLimitSeconds: t.time_limit ?? TARGET_DEFAULTS.timeLimitSeconds,
      rolePasswords: t.role_passwords ?? false,
      commitUnchanged: t.commit_unchanged ?? false,
      ...encryption(t.encryption, `${path}.encryption`, issues),
      ...drill(t.drill, env, issues),
      ...storage(t.storage, name, env, `${path}.storage`, issues),
    };
  });
}

function storage(
  s: FileTarget["storage"],
  target: string,
  env: Env,
  path: string,
  issues: ConfigIssue[],
): { storage?: StorageSettings } {
  if (!s) return {};
  const given = s.prefix ?? `files/${target}/`;
  const prefix = given.endsWith("/") ? given : `${given}/`;
  if (prefix.startsWith("runs/"))
    issues.push({
      path: `${path}.prefix`,
      message: "runs/ holds the runs' own files; choose another prefix",
    });
  const accessKey = env[s.access_key_env]?.trim();
  const secretKey = env[s.secret_key_env]?.trim();
  return {
    storage: {
      endpoint: s.endpoint,
      region: s.region ?? "us-east-1",
      accessKeyEnv: s.access_key_env,
      secretKeyEnv: s.secret_key_env,
      // Only the dump worker reads Storage; the other services start without the keys.
      ...(accessKey && secretKey ? { keys: { accessKey, secretKey } } : {}),
      buckets: s.buckets ?? "all",
      prefix,
    },
  };
}

function encryption(
  e: FileTarget["encryption"],
  path: string,
  issues: ConfigIssue[],
): { encryption?: EncryptionSettings } {
  if (!e) return {};
  try {
    const recipients = parseRecipients(e.recipients, "recipients");
    tableMatcher(e.tables ?? [], "tables");
    return { encryption: { recipients, tables: e.tables ?? [], schema: e.schema ?? false } };
  } catch (err) {
    issues.push({ path, message: messageOf(err) });
    return {};
  }
}

function drill(d: FileTarget["drill"], env: Env, issues: ConfigIssue[]): { drill?: DrillSettings } {
  if (!d) return {};
  const drill = {
    cron: d.cron,
    scratchUrlEnv: d.scratch_url_env,
    scratchTemplate: d.scratch_template,
  };
  const scratchUrl = env[d.scratch_url_env]?.trim();
  // Only the process that drills needs the URL (a secret); the others start without it.
  if (!scratchUrl) return { drill };
  if (!URL.canParse(scratchUrl)) {
    issues.push({ path: d.scratch_url_env, message: "not a valid URL" });
    return {};
  }
  return { drill: { ...drill, scratchUrl } };
}

/** The target `default`, from TABLESNAP_DATABASE_URL and TABLESNAP_GITHUB_REPO. */
export function targetFromEnv(e: ParsedEnv, issues: ConfigIssue[]): TargetConfig {
  const need = (name: string, what: string) => {
    // A variable set to something invalid is reported already.
    if (!issues.some((i) => i.path === name)) {
      issues.push({ path: name, message: `required without TABLESNAP_CONFIG (${what})` });
    }
  };
  if (e.TABLESNAP_DATABASE_URL === undefined)
    need("TABLESNAP_DATABASE_URL", "the database to back up");
  if (e.TABLESNAP_GITHUB_REPO === undefined)
    need("TABLESNAP_GITHUB_REPO", "owner/repo of the backup repository");
  return {
    name: "default",
    databaseUrl: e.TABLESNAP_DATABASE_URL ?? "",
    repository: githubRepo(e.TABLESNAP_GITHUB_REPO ?? "/"),
    branches: TARGET_DEFAULTS.branches,
    repositories: "all",
    schedules:
      e.TABLESNAP_SCHEDULE === undefined ? [] : [{ name: "schedule", cron: e.TABLESNAP_SCHEDULE }],
    retention: TARGET_DEFAULTS.retention,
    debounceSeconds: e.TABLESNAP_DEBOUNCE,
    freshnessLimitSeconds: TARGET_DEFAULTS.freshnessLimitSeconds,
    timeLimitSeconds: TARGET_DEFAULTS.timeLimitSeconds,
    rolePasswords: false,
    commitUnchanged: false,
  };
}
