import type { EncryptionSettings } from "@tablesnap/encryption";

/** The environment as `loadConfig` reads it: `process.env` in a service's main.ts. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where a target's backups go. `branch` is the backup repository's branch (default: its default). */
export type BackupRepository =
  | {
      readonly kind: "github";
      readonly owner: string;
      readonly repo: string;
      readonly branch?: string;
    }
  | { readonly kind: "git"; readonly remote: string; readonly branch?: string }
  | { readonly kind: "local"; readonly path: string; readonly branch?: string };

/** Which pushes and merges trigger a backup. Names may use `*` (not across `/`) and `**`. */
export interface BranchRules {
  /** The pushed repository's default branch, whatever it is called. */
  readonly defaultBranch: boolean;
  readonly names: readonly string[];
}

export interface Schedule {
  /** Stable name: the trigger's ref, part of the cron slot id. */
  readonly name: string;
  /** Five-field cron expression, in UTC. */
  readonly cron: string;
}

export interface Retention {
  /** Archives to keep; 0 for no limit by count. */
  readonly keep: number;
  /** Days of archives to keep; 0 for no limit by age. */
  readonly keepDays: number;
  /** Cron of the history rotation (`prune_history`): commits beyond keep/keepDays squashed. */
  readonly pruneHistory?: string | undefined;
}

export interface TargetConfig {
  readonly name: string;
  /** The database to back up. A secret: log `redact(config)`, never this. */
  readonly databaseUrl: string;
  readonly repository: BackupRepository;
  readonly branches: BranchRules;
  /** `owner/repo` patterns of the repositories whose events feed this target, or every one. */
  readonly repositories: readonly string[] | "all";
  readonly schedules: readonly Schedule[];
  readonly retention: Retention;
  readonly debounceSeconds: number;
  /** The last good backup must be younger than this (status API freshness). */
  readonly freshnessLimitSeconds: number;
  /** A run still in progress after this long ends failed. */
  readonly timeLimitSeconds: number;
  /** Keep role password hashes in `roles.sql`; off by default. */
  readonly rolePasswords: boolean;
  /**
   * Commit a backup whose content equals the latest's (`commit_unchanged`, a heartbeat commit);
   * off by default: such a run writes nothing and ends `unchanged`.
   */
  readonly commitUnchanged: boolean;
  /** What to encrypt and to whom (config `encryption`); absent, nothing is encrypted. */
  readonly encryption?: EncryptionSettings | undefined;
  /** The scheduled restore test (config `drill`); absent, none runs. */
  readonly drill?: DrillSettings | undefined;
  /** Supabase Storage's files (config `storage`); absent, only the database is backed up. */
  readonly storage?: StorageSettings | undefined;
}

export interface StorageSettings {
  /** The project's S3 endpoint (`https://<ref>.supabase.co/storage/v1/s3`). */
  readonly endpoint: string;
  readonly region: string;
  /** The variables naming the S3 keys (`access_key_env`, `secret_key_env`). */
  readonly accessKeyEnv: string;
  readonly secretKeyEnv: string;
  /**
   * Their values, when this process has them (the dump worker needs them; the other services
   * start without). Secrets.
   */
  readonly keys?: { readonly accessKey: string; readonly secretKey: string } | undefined;
  readonly buckets: readonly string[] | "all";
  /** Where the files are kept in the artifacts bucket, ending in `/`. */
  readonly prefix: string;
}

export interface DrillSettings {
  /** Five-field cron expression, in UTC. */
  readonly cron: string;
  /** The variable naming the server the scratch database is made on (`scratch_url_env`). */
  readonly scratchUrlEnv: string;
  /**
   * Its value, when this process has it (the publisher and `serve` need it; the other services
   * start without it). A secret: it may hold a password.
   */
  readonly scratchUrl?: string | undefined;
  /** What the scratch database is made from (a Supabase backup needs a new project's shape). */
  readonly scratchTemplate?: string | undefined;
}

export type GitHubAuth =
  | { readonly kind: "token"; readonly token: string }
  | {
      readonly kind: "app";
      readonly appId: string;
      readonly privateKey: string;
      /** When absent, look the installation up from the backup repository. */
      readonly installationId?: number;
    };

export interface ApiToken {
  /** From `name:token` in TABLESNAP_API_TOKEN, else `token-<n>`; the ref of API triggers. */
  readonly name: string;
  readonly token: string;
  /**
   * `operator` (TABLESNAP_API_TOKEN) reads and queues backups; `viewer` (TABLESNAP_VIEWER_TOKEN)
   * only reads the status API and the dashboard.
   */
  readonly role: "operator" | "viewer";
}

export interface S3Settings {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  readonly region: string;
}

export interface Config {
  /** Whether the targets came from the TABLESNAP_CONFIG file or from the environment alone. */
  readonly source: "file" | "env";
  readonly port: number;
  /** tablesnap's own state database. */
  readonly stateUrl?: string;
  readonly nats: {
    readonly url: string;
    readonly prefix: string;
    /**
     * TABLESNAP_ACK_WAIT: how long a service's unacknowledged message (a worker killed with it)
     * waits before it is delivered again. Unset: each consumer's own default (30-60 s).
     */
    readonly ackWaitSeconds?: number;
  };
  readonly s3?: S3Settings;
  readonly github: {
    readonly apiUrl: string;
    readonly auth?: GitHubAuth;
    /** Every secret accepted, so a secret can be rotated without dropping deliveries. */
    readonly webhookSecrets: readonly string[];
  };
  readonly slack: { readonly signingSecret?: string; readonly webhookUrl?: string };
  readonly api: { readonly tokens: readonly ApiToken[] };
  /**
   * A dump worker's share: TABLESNAP_WORKER_HOLDERS runs whose snapshot it holds at once and
   * TABLESNAP_WORKER_COPIES tables it copies at once (default 2 each; 0 leaves that role to
   * other workers). A table copy that moves no rows for TABLESNAP_TABLE_STALL (default 5 min)
   * fails its run, naming the table.
   */
  readonly worker: {
    readonly holders: number;
    readonly copies: number;
    readonly tableStallSeconds: number;
  };
  /**
   * The age key scheduled drills open encrypted backups with: TABLESNAP_AGE_IDENTITY (an identity
   * file's text; a secret) and TABLESNAP_AGE_IDENTITY_FILE (its path). Only the publisher uses it.
   */
  readonly ageIdentity: { readonly text?: string; readonly file?: string };
  readonly targets: readonly TargetConfig[];
}

export interface ConfigIssue {
  /** Dotted path in the file (`targets.app.database_url`) or the environment variable's name. */
  readonly path: string;
  readonly message: string;
}
