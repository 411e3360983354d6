import { UsageError } from "@tablesnap/core";

/** Credentials for --github, from the environment; a key file is read when the run starts. */
export type GitHubCredentials =
  | { readonly kind: "token"; readonly token: string }
  | {
      readonly kind: "app";
      readonly appId: string;
      readonly privateKey: { readonly pem: string } | { readonly file: string };
      readonly installationId: number | undefined;
    };

/** Where a backup goes: a repository on disk, a GitHub repository, or any git remote. */
export type BackupTarget =
  | { readonly kind: "local"; readonly dir: string }
  | {
      readonly kind: "github";
      readonly repository: string;
      readonly apiUrl: string | undefined;
      readonly credentials: GitHubCredentials;
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
    return { kind: "git-remote", url: values["git-remote"] };
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

function credentials(env: Readonly<Record<string, string | undefined>>): GitHubCredentials {
  const token = env["GITHUB_TOKEN"];
  if (token) return { kind: "token", token };
  const appId = env["GITHUB_APP_ID"];
  const pem = env["GITHUB_APP_PRIVATE_KEY"];
  const file = env["GITHUB_APP_PRIVATE_KEY_FILE"];
  if (!appId || !(pem || file))
    throw new UsageError(
      "--github needs credentials: set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE)",
    );
  if (!/^\d+$/.test(appId))
    throw new UsageError(`GITHUB_APP_ID must be the app's number (got ${JSON.stringify(appId)})`);
  const installation = env["GITHUB_APP_INSTALLATION_ID"];
  if (installation !== undefined && !/^\d+$/.test(installation))
    throw new UsageError(
      `GITHUB_APP_INSTALLATION_ID must be a number (got ${JSON.stringify(installation)})`,
    );
  return {
    kind: "app",
    appId,
    // A key pasted into one line of an env file keeps its line breaks as \n.
    privateKey: pem ? { pem: pem.replace(/\\n/g, "\n") } : { file: file ?? "" },
    installationId: installation === undefined ? undefined : Number(installation),
  };
}
