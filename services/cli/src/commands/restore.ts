import { join } from "node:path";
import { formatBytes, UsageError } from "@tablesnap/core";
import type { Identities } from "@tablesnap/encryption";
import {
  type BackupReader,
  type RestoreProgress,
  type RestoreReport,
  readManifest,
  restoreBackup,
} from "@tablesnap/restore";
import type { StorageRestoreReport } from "@tablesnap/storage";
import { workDirOf } from "../args.ts";
import { loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import type { Output } from "../output.ts";
import { STORAGE_ENDPOINT_OPTIONS, storageEndpointOf, storeDirOf } from "../storage-args.ts";
import { databaseUrlOf } from "../url-flags.ts";
import { type BackupSource, jobsOf, openReader, sourceOf } from "./reader.ts";
import { type RestoreStorageArgs, restoreFiles } from "./restore-files.ts";

export interface RestoreArgs extends BackupSource {
  /** Undefined only with `--storage`: then only the files are put back. */
  readonly databaseUrl: string | undefined;
  readonly storage: RestoreStorageArgs | undefined;
  readonly schemas: readonly string[];
  readonly tables: readonly string[];
  readonly jobs: number;
  readonly roles: boolean;
  readonly dependencies: boolean;
  readonly supabase: boolean | "auto";
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
}

export function parseRestoreArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): RestoreArgs {
  const { values } = parse(argv);
  const source = sourceOf(values, env);
  const storage = restoreStorageOf(values, env);
  // With --storage the database is restored only when asked on the command line: a
  // TABLESNAP_RESTORE_URL left in the environment must not turn a files-only restore into more.
  const databaseUrl = databaseUrlOf(
    "--database-url",
    values["database-url"],
    "TABLESNAP_RESTORE_URL",
    storage ? {} : env,
  );
  if (!databaseUrl && !storage)
    throw new UsageError(
      "--database-url is required (or set TABLESNAP_RESTORE_URL); with --storage alone only the files are put back",
    );
  const jobs = jobsOf(values.jobs, 1);
  if (values.supabase && values["no-supabase"])
    throw new UsageError("give --supabase or --no-supabase, not both");
  return {
    ...source,
    databaseUrl,
    storage,
    schemas: values.schema ?? [],
    tables: values.table ?? [],
    jobs,
    roles: values.roles ?? false,
    dependencies: !values["no-deps"],
    supabase: values.supabase ? true : values["no-supabase"] ? false : "auto",
    dryRun: values["dry-run"] ?? false,
    json: values.json ?? false,
    quiet: values.quiet ?? false,
  };
}

function restoreStorageOf(
  values: ReturnType<typeof parse>["values"],
  env: Readonly<Record<string, string | undefined>>,
): RestoreStorageArgs | undefined {
  const endpoint = storageEndpointOf(values, env);
  const from = storeDirOf(values["storage-from"], "--storage-from");
  const given = [
    values["storage-from"] && "--storage-from",
    values["storage-endpoint"] && "--storage-endpoint",
    values.bucket && "--bucket",
    values.prefix !== undefined && "--prefix",
    values.mirror && "--mirror",
  ].filter(Boolean);
  if (!values.storage) {
    if (given.length > 0) throw new UsageError(`${given.join(", ")} need --storage`);
    return undefined;
  }
  if (!endpoint)
    throw new UsageError(
      "--storage needs --storage-endpoint URL: the target project's S3 endpoint",
    );
  if (from === undefined)
    throw new UsageError(
      "--storage needs --storage-from DIR: the file store the backup kept its files in",
    );
  return {
    endpoint,
    from,
    buckets: values.bucket ?? [],
    prefix: values.prefix ?? "",
    mirror: values.mirror ?? false,
    workDir: join(workDirOf(undefined, env), "storage"),
  };
}

function parse(argv: readonly string[]) {
  return parseFlags(
    argv,
    {
      from: { type: "string" },
      repo: { type: "string" },
      backup: { type: "string" },
      branch: { type: "string" },
      identity: { type: "string", multiple: true },
      "database-url": { type: "string" },
      schema: { type: "string", multiple: true },
      table: { type: "string", multiple: true },
      jobs: { type: "string" },
      roles: { type: "boolean" },
      "no-deps": { type: "boolean" },
      supabase: { type: "boolean" },
      "no-supabase": { type: "boolean" },
      "dry-run": { type: "boolean" },
      storage: { type: "boolean" },
      "storage-from": { type: "string" },
      ...STORAGE_ENDPOINT_OPTIONS,
      bucket: { type: "string", multiple: true },
      prefix: { type: "string" },
      mirror: { type: "boolean" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    },
    false,
  );
}

/** What a restore did: the database's report, and the files' with `--storage`. */
export interface RestoreOutcome {
  readonly database: RestoreReport | undefined;
  readonly storage: StorageRestoreReport | undefined;
}

export async function restoreCommand(
  args: RestoreArgs,
  out: Output,
  signal: AbortSignal,
): Promise<RestoreOutcome> {
  const identities = await loadIdentities(args.identityFiles);
  const reader = await openReader(args);
  out.info(`${args.dryRun ? "planning a restore of" : "restoring"} ${reader.location}`);
  // The files are checked before the database is touched: a backup without them fails first.
  const manifest = args.storage ? await readManifest(reader) : undefined;
  if (manifest && !manifest.storage)
    throw new UsageError(
      `backup ${manifest.backup_id} holds no Storage files: it was taken without --storage-endpoint`,
    );
  const database = args.databaseUrl
    ? await restoreDatabase(args, args.databaseUrl, reader, identities, out, signal)
    : undefined;
  const storage =
    args.storage && manifest?.storage
      ? await restoreFiles(
          manifest.storage,
          reader,
          identities,
          args.storage,
          { ...args, signal },
          out,
        )
      : undefined;
  return { database, storage };
}

async function restoreDatabase(
  args: RestoreArgs,
  databaseUrl: string,
  reader: BackupReader,
  identities: Identities,
  out: Output,
  signal: AbortSignal,
): Promise<RestoreReport> {
  try {
    return await restoreBackup({
      reader,
      identities,
      databaseUrl,
      schemas: args.schemas,
      tables: args.tables,
      jobs: args.jobs,
      roles: args.roles,
      dependencies: args.dependencies,
      supabase: args.supabase,
      dryRun: args.dryRun,
      signal,
      onProgress: (p) => out.progress(progressLine(p)),
    });
  } finally {
    out.progressDone();
  }
}

/** One progress line; sizes in the units every other line of the CLI uses (KiB, MiB, …). */
export function progressLine(p: RestoreProgress): string {
  if (p.phase === "checking")
    return "checking: every file the restore will use, against the manifest";
  const read = formatBytes(p.bytes);
  return `${p.phase}: tables ${p.tablesDone}/${p.tablesTotal}, ${p.rows} rows, ${read} read`;
}
