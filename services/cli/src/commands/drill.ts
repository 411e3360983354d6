import { UsageError } from "@tablesnap/core";
import { type DrillReport, runDrill } from "@tablesnap/restore";
import { loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import type { Output } from "../output.ts";
import { databaseUrlOf } from "../url-flags.ts";
import { type BackupSource, jobsOf, openReader, sourceOf } from "./reader.ts";

export interface DrillArgs extends BackupSource {
  readonly scratchUrl: string;
  readonly scratchTemplate: string | undefined;
  readonly schemas: readonly string[];
  readonly tables: readonly string[];
  readonly jobs: number;
  readonly roles: boolean;
  readonly keep: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
}

export function parseDrillArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): DrillArgs {
  const { values } = parse(argv);
  const source = sourceOf(values, env);
  const scratchUrl = databaseUrlOf(
    "--scratch-url",
    values["scratch-url"],
    "TABLESNAP_SCRATCH_URL",
    env,
  );
  if (!scratchUrl) throw new UsageError("--scratch-url is required (or set TABLESNAP_SCRATCH_URL)");
  const jobs = jobsOf(values.jobs, 2);
  return {
    ...source,
    scratchUrl,
    scratchTemplate: values["scratch-template"],
    schemas: values.schema ?? [],
    tables: values.table ?? [],
    jobs,
    roles: values.roles ?? false,
    keep: values.keep ?? false,
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
      "scratch-url": { type: "string" },
      "scratch-template": { type: "string" },
      schema: { type: "string", multiple: true },
      table: { type: "string", multiple: true },
      jobs: { type: "string" },
      roles: { type: "boolean" },
      keep: { type: "boolean" },
      json: { type: "boolean" },
      quiet: { type: "boolean" },
    },
    false,
  );
}

export async function drillCommand(
  args: DrillArgs,
  out: Output,
  signal: AbortSignal,
): Promise<DrillReport> {
  return runDrill({
    identities: await loadIdentities(args.identityFiles),
    reader: await openReader(args),
    scratchUrl: args.scratchUrl,
    scratchTemplate: args.scratchTemplate,
    schemas: args.schemas,
    tables: args.tables,
    jobs: args.jobs,
    roles: args.roles,
    keep: args.keep,
    signal,
    onInfo: (line) => out.info(line),
  });
}

export function formatDrill(r: DrillReport): { stdout: string; stderr: string } {
  const bad = r.tables.filter((t) => !t.ok).map((t) => `${t.table}: ${t.problem ?? "differs"}`);
  if (r.error) bad.push(`restore failed: ${r.error}`);
  const matched = r.tables.filter((t) => t.ok).length;
  const where = r.kept ? `; scratch database ${r.database} kept` : "";
  const summary = r.ok
    ? `drill ok: backup ${r.backupId} restored and re-read, ${matched} tables match their sha256 and row counts (${(r.durationMs / 1000).toFixed(1)} s)${where}`
    : `DRILL FAILED: backup ${r.backupId}: ${bad.length} problem(s)${where}`;
  return { stdout: bad.length > 0 ? `${bad.join("\n")}\n` : "", stderr: `${summary}\n` };
}
