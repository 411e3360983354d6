import { formatBytes, UsageError } from "@tablesnap/core";
import { type RestoreProgress, type RestoreReport, restoreBackup } from "@tablesnap/restore";
import { IDENTITY_HELP, loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import type { Output } from "../output.ts";
import { databaseUrlOf } from "../url-flags.ts";
import { type BackupSource, jobsOf, openReader, sourceOf } from "./reader.ts";

export const RESTORE_HELP = `Usage: tablesnap restore --from <backup folder> --database-url URL [options]
       tablesnap restore --repo DIR [--backup latest|<folder name>] --database-url URL [options]

Restores a backup into a database. Every file it will use is checked against manifest.json first;
on a missing or changed file it stops before writing anything. A whole restore needs an empty
database and runs in one transaction (unless --jobs > 1); --schema and --table restore parts of
it, replacing the rows of tables that already exist in one transaction.

  --from DIR              a backup folder (in a clone or a plain copy; symlinks are followed)
  --repo DIR              read the backup straight from git (no checkout needed)
  --backup NAME           with --repo: latest (default), a latest_<time> or an archive folder name
  --branch NAME           with --repo: the branch to read (default: main)
${IDENTITY_HELP}
  --database-url URL      the target database (postgres://user@host:port/database), or
                          TABLESNAP_RESTORE_URL; a URL with a password only there (or PGPASSWORD)
  --schema S              restore schema S: its objects and its tables (repeatable)
  --table S.T             restore table T of schema S (repeatable); a partitioned table brings
                          its partitions
  --no-deps               with --schema/--table: restore exactly what was named; by default the
                          types, domains, sequences, functions and schema it needs and the target
                          lacks come along (and are named)
  --jobs N                whole restore: load tables on N connections (default 1 = one transaction)
  --roles                 create the roles of roles.sql the target lacks (existing ones are left
                          as they are, and named)
  --supabase              treat the target as Supabase (detected when it has Supabase's schemas
                          and roles); --no-supabase turns detection off
  --dry-run               run the whole restore in a transaction and roll it back: every check
                          the real run makes (privileges, existing objects, foreign keys), the
                          plan printed, nothing written; it takes the real run's locks and time
  --json                  print the report as JSON on stdout
  --quiet                 no progress

Exit codes: 0 restored, 1 failed (nothing committed, or undone), 2 bad usage, 130 interrupted.`;

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
