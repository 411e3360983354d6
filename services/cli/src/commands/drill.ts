import { join } from "node:path";
import { FsArtifactStore } from "@tablesnap/artifacts";
import { UsageError } from "@tablesnap/core";
import { type DrillReport, readManifest, runDrill } from "@tablesnap/restore";
import type { StorageDrillReport } from "@tablesnap/storage";
import { workDirOf } from "../args.ts";
import { loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import type { Output } from "../output.ts";
import {
  STORAGE_ENDPOINT_OPTIONS,
  type StorageEndpoint,
  storageEndpointOf,
  storageSampleOf,
  storeDirOf,
} from "../storage-args.ts";
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
  /** `--storage-from` and `--storage-endpoint`: a sample of the files into a scratch bucket. */
  readonly storage: DrillStorageArgs | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
}

export interface DrillStorageArgs {
  readonly from: string;
  readonly endpoint: StorageEndpoint;
  readonly sample: number;
  /** Where files are spooled (`TABLESNAP_WORK_DIR`/storage). */
  readonly workDir: string;
}

/** The database drill's report, and the files' with `--storage-from`. */
export interface DrillOutcome extends DrillReport {
  readonly storage?: StorageDrillReport | undefined;
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
    storage: drillStorageOf(values, env),
    json: values.json ?? false,
    quiet: values.quiet ?? false,
  };
}

function drillStorageOf(
  values: ReturnType<typeof parse>["values"],
  env: Readonly<Record<string, string | undefined>>,
): DrillStorageArgs | undefined {
  const endpoint = storageEndpointOf(values, env);
  const from = storeDirOf(values["storage-from"], "--storage-from");
  const raw = values["storage-sample"];
  if (from === undefined && endpoint === undefined) {
    if (raw !== undefined) throw new UsageError("--storage-sample needs --storage-from DIR");
    return undefined;
  }
  if (from === undefined) throw new UsageError("--storage-endpoint needs --storage-from DIR");
  if (endpoint === undefined)
    throw new UsageError(
      "--storage-from needs --storage-endpoint URL: where the scratch bucket is made",
    );
  const sample = raw === undefined ? 20 : storageSampleOf(raw);
  return { from, endpoint, sample, workDir: join(workDirOf(undefined, env), "storage") };
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
      "storage-from": { type: "string" },
      "storage-sample": { type: "string" },
      ...STORAGE_ENDPOINT_OPTIONS,
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
): Promise<DrillOutcome> {
  const identities = await loadIdentities(args.identityFiles);
  const reader = await openReader(args);
  const report = await runDrill({
    identities,
    reader,
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
  if (!args.storage) return report;
  const manifest = await readManifest(reader);
  if (!manifest.storage)
    throw new UsageError(`backup ${manifest.backup_id} holds no Storage files to drill`);
  const { drillStorage } = await import("@tablesnap/storage");
  const { S3StorageSource } = await import("@tablesnap/storage/s3");
  const target = new S3StorageSource(args.storage.endpoint);
  out.info(
    `restoring ${args.storage.sample} Storage file(s) at random into a scratch bucket at ${target.location}`,
  );
  const storage = await drillStorage({
    section: manifest.storage,
    read: (p) => reader.read(p),
    files: new FsArtifactStore(args.storage.from),
    identities,
    target,
    sample: args.storage.sample,
    workDir: args.storage.workDir,
  });
  return { ...report, ok: report.ok && storage.problems.length === 0, storage };
}

export function formatDrill(r: DrillOutcome): { stdout: string; stderr: string } {
  const bad = r.tables.filter((t) => !t.ok).map((t) => `${t.table}: ${t.problem ?? "differs"}`);
  if (r.error) bad.push(`restore failed: ${r.error}`);
  bad.push(...(r.storage?.problems ?? []));
  const files = r.storage
    ? `; storage: ${r.storage.checked} of ${r.storage.objects} file(s) restored into ${r.storage.bucket} and read back`
    : "";
  const matched = r.tables.filter((t) => t.ok).length;
  const where = r.kept ? `; scratch database ${r.database} kept` : "";
  const summary = r.ok
    ? `drill ok: backup ${r.backupId} restored and re-read, ${matched} tables match their sha256 and row counts (${(r.durationMs / 1000).toFixed(1)} s)${files}${where}`
    : `DRILL FAILED: backup ${r.backupId}: ${bad.length} problem(s)${files}${where}`;
  return { stdout: bad.length > 0 ? `${bad.join("\n")}\n` : "", stderr: `${summary}\n` };
}
