import { formatBytes, UsageError } from "@tablesnap/core";
import { type RestoreProgress, type RestoreReport, restoreBackup } from "@tablesnap/restore";
import { loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import type { Output } from "../output.ts";
import { databaseUrlOf } from "../url-flags.ts";
import { type BackupSource, jobsOf, openReader, sourceOf } from "./reader.ts";

export interface RestoreArgs extends BackupSource {
  readonly databaseUrl: string;
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
  const databaseUrl = databaseUrlOf(
    "--database-url",
    values["database-url"],
    "TABLESNAP_RESTORE_URL",
    env,
  );
  if (!databaseUrl)
    throw new UsageError("--database-url is required (or set TABLESNAP_RESTORE_URL)");
  const jobs = jobsOf(values.jobs, 1);
  if (values.supabase && values["no-supabase"])
    throw new UsageError("give --supabase or --no-supabase, not both");
  return {
    ...source,
    databaseUrl,
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
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    },
    false,
  );
}

export async function restoreCommand(
  args: RestoreArgs,
  out: Output,
  signal: AbortSignal,
): Promise<RestoreReport> {
  const identities = await loadIdentities(args.identityFiles);
  const reader = await openReader(args);
  out.info(`${args.dryRun ? "planning a restore of" : "restoring"} ${reader.location}`);
  try {
    return await restoreBackup({
      reader,
      identities,
      databaseUrl: args.databaseUrl,
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
