import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { type Trigger, UsageError } from "@tablesnap/core";
import type { EncryptionSettings } from "@tablesnap/encryption";
import { ENCRYPT_OPTIONS, encryptionOf } from "./encryption-args.ts";
import { parseFlags } from "./flags.ts";
import {
  STORAGE_ENDPOINT_OPTIONS,
  type StorageEndpoint,
  storageEndpointOf,
  storeDirOf,
} from "./storage-args.ts";
import { type BackupTarget, parseTarget } from "./target-args.ts";
import { databaseUrlOf } from "./url-flags.ts";

export interface BackupArgs {
  /** Undefined only with `--resume`, which publishes a kept dump instead of dumping. */
  readonly databaseUrl: string | undefined;
  readonly target: BackupTarget;
  /** A dump kept by an earlier run whose publish failed. */
  readonly resume: string | undefined;
  /** Where dumps for --github and --git-remote are staged, and kept when their publish fails. */
  readonly workDir: string;
  readonly branch: string;
  readonly jobs: number;
  readonly includeSchemas: string[];
  readonly excludeSchemas: string[];
  readonly customDump: boolean;
  readonly rolePasswords: boolean;
  /** What to encrypt, and to whom; undefined when nothing is. */
  readonly encryption: EncryptionSettings | undefined;
  readonly pgBin: string | undefined;
  readonly keep: number;
  readonly keepDays: number;
  /** Commit even when the backup's content equals the latest's (off: nothing is written). */
  readonly commitUnchanged: boolean;
  readonly maxFileBytes: number;
  readonly trigger: Trigger;
  /** Supabase Storage's files: where they are read and where they are kept; undefined when not. */
  readonly storage: BackupStorageArgs | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
}

export interface BackupStorageArgs {
  readonly endpoint: StorageEndpoint;
  /** The file store folder (`--storage-to`). */
  readonly to: string;
  /** `--storage-bucket`s, or every bucket. */
  readonly buckets: readonly string[] | "all";
}

/** Parses `tablesnap backup` flags; environment fallbacks come from `env` (read in main.ts). */
export function parseBackupArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): BackupArgs {
  const { values } = parse(argv);
  const resume = values.resume;
  const databaseUrl = databaseUrlOf(
    "--database-url",
    values["database-url"],
    "TABLESNAP_DATABASE_URL",
    env,
  );
  if (!databaseUrl && !resume)
    throw new UsageError("--database-url is required (or set TABLESNAP_DATABASE_URL)");
  const target = parseTarget(values, env);
  const event = values.event ?? "manual";
  if (!["push", "pr", "schedule", "manual"].includes(event)) {
    throw new UsageError(
      `--event must be push, pr, schedule or manual (got ${JSON.stringify(event)})`,
    );
  }
  const branch = values.branch ?? "main";
  if (!/^(?!\/|.*\/\/|.*\.\.|.*\.lock$|.*\/$)[A-Za-z0-9._/-]+$/.test(branch)) {
    throw new UsageError(`--branch ${JSON.stringify(branch)} is not a valid branch name`);
  }
  return {
    databaseUrl,
    target,
    resume,
    workDir: workDirOf(values["work-dir"], env),
    branch,
    jobs: int(values.jobs, "--jobs", 2, 1, 64),
    includeSchemas: values["include-schema"] ?? [],
    excludeSchemas: values["exclude-schema"] ?? [],
    customDump: !values["no-custom-dump"],
    rolePasswords: values["role-passwords"] ?? false,
    encryption: encryptionOf(values),
    pgBin: values["pg-bin"] ?? env["TABLESNAP_PG_BIN"],
    keep: int(values.keep, "--keep", 30, 0, 1_000_000),
    keepDays: int(values["keep-days"], "--keep-days", 30, 0, 1_000_000),
    commitUnchanged: values["commit-unchanged"] ?? false,
    maxFileBytes: int(
      values["max-file-bytes"],
      "--max-file-bytes",
      32 * 1024 * 1024,
      4096,
      2 ** 31,
    ),
    trigger: {
      source: values.source ?? "local",
      event: event as Trigger["event"],
      ref: values.ref ?? env["USER"] ?? "cli",
      at: new Date().toISOString(),
    },
    storage: storageOf(values, env),
    json: values.json ?? false,
    quiet: values.quiet ?? false,
  };
}

function storageOf(
  values: ReturnType<typeof parse>["values"],
  env: Readonly<Record<string, string | undefined>>,
): BackupStorageArgs | undefined {
  const endpoint = storageEndpointOf(values, env);
  const to = storeDirOf(values["storage-to"], "--storage-to");
  const buckets = values["storage-bucket"] ?? [];
  if (!endpoint) {
    if (to !== undefined || buckets.length > 0)
      throw new UsageError("--storage-to and --storage-bucket need --storage-endpoint");
    return undefined;
  }
  if (to === undefined)
    throw new UsageError(
      "--storage-endpoint needs --storage-to DIR: the files are kept there by content, never in git",
    );
  if (values.resume)
    throw new UsageError("--resume publishes a kept dump as it is: leave out --storage-endpoint");
  return { endpoint, to, buckets: buckets.length > 0 ? buckets : "all" };
}

/**
 * Where dumps are staged and Storage files spooled: `--work-dir`, TABLESNAP_WORK_DIR, or
 * `~/.cache/tablesnap` (`$XDG_CACHE_HOME/tablesnap`).
 */
export function workDirOf(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const home = env["HOME"] || homedir();
  const cache = env["XDG_CACHE_HOME"] || (home ? join(home, ".cache") : tmpdir());
  return flag ?? env["TABLESNAP_WORK_DIR"] ?? join(cache, "tablesnap");
}

function parse(argv: readonly string[]) {
  return parseFlags(
    argv,
    {
      "database-url": { type: "string" },
      repo: { type: "string" },
      github: { type: "string" },
      "github-api-url": { type: "string" },
      "git-remote": { type: "string" },
      "work-dir": { type: "string" },
      resume: { type: "string" },
      branch: { type: "string" },
      jobs: { type: "string" },
      "include-schema": { type: "string", multiple: true },
      "exclude-schema": { type: "string", multiple: true },
      "no-custom-dump": { type: "boolean" },
      "role-passwords": { type: "boolean" },
      ...ENCRYPT_OPTIONS,
      ...STORAGE_ENDPOINT_OPTIONS,
      "storage-to": { type: "string" },
      "storage-bucket": { type: "string", multiple: true },
      "pg-bin": { type: "string" },
      keep: { type: "string" },
      "keep-days": { type: "string" },
      "commit-unchanged": { type: "boolean" },
      "max-file-bytes": { type: "string" },
      source: { type: "string" },
      event: { type: "string" },
      ref: { type: "string" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    },
    false,
  );
}

function int(
  raw: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new UsageError(
      `${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`,
    );
  }
  return n;
}
