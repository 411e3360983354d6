import { ConfigError } from "./errors.ts";
import type { Config, ConfigIssue } from "./types.ts";

/** What a service can insist on, with the environment variables that provide it. */
const NEEDS = {
  state: ["TABLESNAP_STATE_URL", (c: Config) => c.stateUrl !== undefined],
  s3: ["S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY", (c: Config) => c.s3 !== undefined],
  github: [
    "GITHUB_TOKEN or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY",
    (c: Config) => c.github.auth !== undefined,
  ],
  webhooks: ["GITHUB_WEBHOOK_SECRET", (c: Config) => c.github.webhookSecrets.length > 0],
  slack: ["SLACK_SIGNING_SECRET", (c: Config) => c.slack.signingSecret !== undefined],
  api: ["TABLESNAP_API_TOKEN or TABLESNAP_VIEWER_TOKEN", (c: Config) => c.api.tokens.length > 0],
} as const satisfies Record<string, readonly [string, (c: Config) => boolean]>;

export type Need = keyof typeof NEEDS;

/**
 * Throws a ConfigError naming every variable a service needs but did not get.
 *
 * @example requireSettings(config, "state", "s3"); // in the dump worker's main.ts
 */
export function requireSettings(config: Config, ...needs: Need[]): void {
  const issues: ConfigIssue[] = needs
    .filter((n) => !NEEDS[n][1](config))
    .map((n) => ({ path: NEEDS[n][0], message: "required by this service" }));
  if (issues.length > 0) throw new ConfigError(issues);
}
