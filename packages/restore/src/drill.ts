import { randomBytes } from "node:crypto";
import { type Manifest, messageOf, type TableEntry } from "@tablesnap/core";
import { connect, runBackup } from "@tablesnap/dump";
import { type Identities, NO_IDENTITIES } from "@tablesnap/encryption";
import { plainView } from "./decrypt.ts";
import { DigestStore } from "./digest-store.ts";
import { DrillError } from "./errors.ts";
import { readManifest } from "./read.ts";
import { restoreBackup } from "./restore.ts";
import { dataFiles } from "./select.ts";
import type { BackupReader, RestoreReport } from "./types.ts";

export interface DrillOptions {
  readonly reader: BackupReader;
  /** Keys for the backup's encrypted files. */
  readonly identities?: Identities | undefined;
  /** A server URL; the drill creates (and drops) its own database there. */
  readonly scratchUrl: string;
  /**
   * The template the scratch database is made from (default template0). A Supabase backup needs
   * one with Supabase's platform in it (a new project's shape): its drill fails at once without.
   */
  readonly scratchTemplate?: string | undefined;
  readonly schemas: readonly string[];
  readonly tables: readonly string[];
  readonly jobs: number;
  readonly roles: boolean;
  /** Leave the scratch database in place (to look at a failure). */
  readonly keep: boolean;
  readonly signal: AbortSignal;
  readonly onInfo?: ((line: string) => void) | undefined;
}

export interface DrillTable {
  readonly table: string;
  readonly ok: boolean;
  readonly rows: { readonly expected: number; readonly got: number | null };
  readonly problem?: string;
}

export interface DrillReport {
  readonly ok: boolean;
  readonly backupId: string;
  readonly database: string;
  readonly kept: boolean;
  readonly tables: readonly DrillTable[];
  readonly restore: RestoreReport | null;
  /** Why the drill failed before it could compare (the restore's error). */
  readonly error: string | null;
  readonly durationMs: number;
}

/**
 * The automated restore test: restore into a throw-away database, read every restored table
 * again with the dump's own ordered COPY, and compare each data file's sha256 and row count with
 * the manifest. The database is dropped afterwards, whatever happened.
 */
export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  // Compared as plaintext: the restored tables are dumped again unencrypted.
  const { manifest } = plainView(await readManifest(o.reader), o.reader, NO_IDENTITIES);
  if (!o.scratchTemplate && isSupabaseBackup(manifest))
    throw new DrillError(
      "this is a backup of a Supabase project, which only restores into a project with Supabase's platform (its roles, schemas and event triggers): give --scratch-template NAME, a template database made like a new project (scratch_template in the drill's config)",
    );
  const database = `tablesnap_drill_${new Date().toISOString().slice(0, 10).replaceAll("-", "")}_${randomBytes(4).toString("hex")}`;
  const scratch = new URL(o.scratchUrl);
  const admin = await connect(scratch.toString(), 1);
  const url = new URL(scratch.toString());
  url.pathname = `/${database}`;
  const base = { backupId: manifest.backup_id, database, kept: o.keep };
  try {
    const template = (o.scratchTemplate ?? "template0").replaceAll('"', '""');
    await admin.sql.unsafe(`CREATE DATABASE "${database}" TEMPLATE "${template}"`);
    o.onInfo?.(`created scratch database ${database} on ${admin.target.host}:${admin.target.port}`);
    let restore: RestoreReport;
    try {
      restore = await restoreBackup({
        reader: o.reader,
        identities: o.identities,
        databaseUrl: url.toString(),
        schemas: o.schemas,
        tables: o.tables,
        jobs: o.jobs,
        roles: o.roles,
        supabase: "auto",
        dryRun: false,
        signal: o.signal,
      });
    } catch (e) {
      const error = messageOf(e);
      return {
        ...base,
        ok: false,
        tables: [],
        restore: null,
        error,
        durationMs: Date.now() - started,
      };
    }
    const tables = await compare(manifest, restore, url.toString(), o);
    const ok = tables.every((t) => t.ok);
    return { ...base, ok, tables, restore, error: null, durationMs: Date.now() - started };
  } finally {
    if (!o.keep)
      await admin.sql.unsafe(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {});
    await admin.sql.end({ timeout: 5 });
  }
}

/** Supabase's platform tables are in the backup: it came from a Supabase project. */
function isSupabaseBackup(m: Manifest): boolean {
  const has = (schema: string, name: string) =>
    m.tables.some((t) => t.schema === schema && t.name === name);
  return has("auth", "users") && has("storage", "objects");
}

/** Dumps the restored database the way the backup was made and compares table by table. */
async function compare(
  manifest: Manifest,
  restore: RestoreReport,
  url: string,
  o: DrillOptions,
): Promise<DrillTable[]> {
  const store = new DigestStore();
  const again = await runBackup({
    databaseUrl: url,
    store,
    backupId: `drill-${manifest.backup_id}`,
    triggers: [{ source: "tablesnap drill", event: "manual", ref: manifest.backup_id }],
    jobs: o.jobs,
    includeSchemas: [],
    excludeSchemas: [],
    customDump: false,
    // Split where the backup split, or the files would differ where the rows do not.
    maxFileBytes: manifest.options.max_file_bytes,
    signal: o.signal,
  });
  const restored = restore.tables.filter((t) => t.mode !== "skip");
  return restored.map((r) => {
    const want = manifest.tables.find(
      (t) => t.schema === r.schema && t.name === r.name,
    ) as TableEntry;
    const got = again.tables.find((t) => t.schema === r.schema && t.name === r.name);
    const table = `${r.schema}.${r.name}`;
    if (!got)
      return {
        table,
        ok: false,
        rows: { expected: want.rows, got: null },
        problem: "not found in the restored database",
      };
    const wantFiles = dataFiles(want).map((f) => `${f.path} ${f.sha256}`);
    const gotFiles = dataFiles(got).map((f) => `${f.path} ${f.sha256}`);
    const differ = wantFiles.filter((f, i) => gotFiles[i] !== f).map((f) => f.split(" ")[0]);
    const extra = gotFiles.length - wantFiles.length;
    const rowsOk = got.rows === want.rows;
    const problem = !rowsOk
      ? `${got.rows} rows, the backup has ${want.rows}`
      : differ.length > 0 || extra !== 0
        ? `sha256 differs: ${differ.join(", ") || `${gotFiles.length} data files, the backup has ${wantFiles.length}`}`
        : undefined;
    return {
      table,
      ok: problem === undefined,
      rows: { expected: want.rows, got: got.rows },
      ...(problem ? { problem } : {}),
    };
  });
}
