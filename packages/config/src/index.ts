export type { Cron } from "./cron.ts";
export { CronSyntaxError, cronSlotId, nextSlot, parseCron } from "./cron.ts";
export { parseDuration } from "./duration.ts";
export { githubAuthFromEnv } from "./env.ts";
export { ConfigError } from "./errors.ts";
export type { LoadOptions } from "./load.ts";
export { loadConfig } from "./load.ts";
export { redact } from "./redact.ts";
export type { Need } from "./require.ts";
export { requireSettings } from "./require.ts";
export { branchTriggers, feedsTarget, findTarget, globToRegExp, targetsFor } from "./rules.ts";
export { urlHasPassword } from "./secrets.ts";
export { TARGET_DEFAULTS } from "./targets.ts";
export type {
  ApiToken,
  BackupRepository,
  BranchRules,
  Config,
  ConfigIssue,
  DrillSettings,
  Env,
  GitHubAuth,
  Retention,
  S3Settings,
  Schedule,
  StorageSettings,
  TargetConfig,
} from "./types.ts";
