import { readFileSync } from "node:fs";
import { type GitHubAuth, githubAuthFromEnv } from "@tablesnap/config";
import { UsageError } from "@tablesnap/core";
import { remoteUrlOf } from "./url-flags.ts";

/** Where a backup goes: a repository on disk, a GitHub repository, or any git remote. */
export type BackupTarget =
  | { readonly kind: "local"; readonly dir: string }
  | {
      readonly kind: "github";
      readonly repository: string;
      readonly apiUrl: string | undefined;
      readonly credentials: GitHubAuth;
      /** TABLESNAP_GITHUB_WAIT_UNIT_MS, TABLESNAP_GITHUB_WRITE_INTERVAL_MS: for tests and emulators. */
      readonly tuning: { readonly waitUnitMs?: number; readonly minWriteIntervalMs?: number };
    }
  | { readonly kind: "git-remote"; readonly url: string };

interface TargetFlags {
  readonly repo?: string | undefined;
  readonly github?: string | undefined;
  readonly "github-api-url"?: string | undefined;
  readonly "git-remote"?: string | undefined;
}

/** Exactly one of --repo, --github, --git-remote; GitHub credentials checked before any work. */
export function parseTarget(
  values: TargetFlags,
  env: Readonly<Record<string, string | undefined>>,
): BackupTarget {
  const given = (["repo", "github", "git-remote"] as const).filter((f) => values[f] !== undefined);
  if (given.length === 0)
    throw new UsageError(
      "--repo DIR is required (or --github OWNER/REPO, or --git-remote URL): where the backup goes",
    );
  if (given.length > 1)
    throw new UsageError(`give one of --repo, --github, --git-remote, not ${given.join(" and ")}`);
  if (values["github-api-url"] !== undefined && values.github === undefined)
    throw new UsageError("--github-api-url goes with --github");
  if (values.repo !== undefined) return { kind: "local", dir: values.repo };
  if (values["git-remote"] !== undefined) {
    if (!values["git-remote"]) throw new UsageError("--git-remote needs a URL");
    return { kind: "git-remote", url: remoteUrlOf(values["git-remote"]) };
  }
  const repository = values.github ?? "";
  if (
    !/^[A-Za-z0-9](?:[A-Za-z0-9-]*)\/[A-Za-z0-9._-]+$/.test(repository) ||
    /\.git$/.test(repository)
  )
    throw new UsageError(`--github must be OWNER/REPO (got ${JSON.stringify(repository)})`);
  const apiUrl = values["github-api-url"] ?? env["GITHUB_API_URL"];
  if (apiUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(apiUrl))
    throw new UsageError(`--github-api-url must be an http(s) URL (got ${JSON.stringify(apiUrl)})`);
  return {
    kind: "github",
    repository,
    apiUrl,
    credentials: credentials(env),
    tuning: {
      ...ms(env, "TABLESNAP_GITHUB_WAIT_UNIT_MS", "waitUnitMs"),
      ...ms(env, "TABLESNAP_GITHUB_WRITE_INTERVAL_MS", "minWriteIntervalMs"),
    },
  };
}

function ms<K extends string>(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  key: K,
): Partial<Record<K, number>> {
  const raw = env[name];
  if (raw === undefined || raw === "") return {};
  if (!/^\d+$/.test(raw))
    throw new UsageError(`${name} must be milliseconds (got ${JSON.stringify(raw)})`);
  return { [key]: Number(raw) } as Partial<Record<K, number>>;
}

/** The same credentials, by the same precedence, as the services read (`githubAuthFromEnv`). */
function credentials(env: Readonly<Record<string, string | undefined>>): GitHubAuth {
  const { auth, issues } = githubAuthFromEnv(env, (p) => readFileSync(p, "utf8"));
  if (issues.length > 0) {
    throw new UsageError(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  }
  if (!auth)
    throw new UsageError(
      "--github needs credentials: set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE)",
    );
  return auth;
}
