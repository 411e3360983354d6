import {
  DATABASE_FILE,
  type FileEntry,
  isSchemaFile,
  ROLES_FILE,
  schemaFile as schemaFilePath,
} from "@tablesnap/core";
import { connect } from "@tablesnap/dump";
import { NO_IDENTITIES } from "@tablesnap/encryption";
import { plainView } from "./decrypt.ts";
import { BackupIntegrityError, TargetError } from "./errors.ts";
import { type Ctx, parallel, single } from "./modes.ts";
import { withPartitions } from "./partitions.ts";
import { type PlannedTable, planRestore, type RestorePlan } from "./plan.ts";
import { checkOwners, checkReplicationRole } from "./preflight.ts";
import { checkFiles, readManifest } from "./read.ts";
import { planRoles } from "./roles.ts";
import { parseSchemaScript, type SchemaScript } from "./script.ts";
import { schemaFile, selectFromManifest } from "./select.ts";
import { inspectTarget } from "./target.ts";
import type { RestoreOptions, RestoreProgress, RestoreReport } from "./types.ts";

/**
 * Restores a backup, or some schemas or tables of it. Every file it uses is checked against the
 * manifest before the first statement reaches the target, and the target is inspected first (a
 * whole restore needs an empty database). Runs in one transaction unless `jobs` > 1 asks for
 * parallel loading of a whole database.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreReport> {
  const started = Date.now();
  const progress: RestoreProgress = {
    tablesDone: 0,
    tablesTotal: 0,
    rows: 0,
    bytes: 0,
    phase: "checking",
  };
  options.onProgress?.({ ...progress });
  const view = plainView(
    await readManifest(options.reader),
    options.reader,
    options.identities ?? NO_IDENTITIES,
  );
  const o = { ...options, reader: view.reader };
  const manifest = view.manifest;
  const sel = selectFromManifest(manifest, { schemas: o.schemas, tables: o.tables });
  const scriptFiles: FileEntry[] = [
    ...manifest.files,
    ...(o.roles ? manifest.roles.files : []),
    ...manifest.schemas
      .filter((s) => sel.schemas.includes(s.name))
      .flatMap((s) => s.files.filter((f) => f.path.endsWith(".sql"))),
    // What a partial restore may need from other schemas (types, sequences and their values,
    // functions).
    ...(sel.whole || o.dependencies === false
      ? []
      : manifest.schemas.flatMap((s) =>
          s.files.filter((f) => /\/(schema|sequences)\.sql$/.test(f.path)),
        )),
    ...(sel.tables.some((t) => t.kind === "partitioned") ? manifest.tables : sel.tables).flatMap(
      (t) => schemaFile(t) ?? [],
    ),
  ];
  const first = await checkFiles(o.reader, unique(scriptFiles), () => true);
  const scripts = new Map<string, SchemaScript>();
  for (const [path, text] of first.texts)
    if (path === DATABASE_FILE || isSchemaFile(path))
      scripts.set(path, parseSchemaScript(path, text));
  const tables = sel.whole
    ? sel.tables
    : withPartitions(manifest.tables, sel.tables, (t) => scripts.get(schemaFilePath(t.path)));
  const data = await checkFiles(
    o.reader,
    tables.flatMap((t) => t.files.filter((f) => !isSchemaFile(f.path))),
    () => false,
  );
  const problems = [...first.problems, ...data.problems];
  if (problems.length > 0) throw new BackupIntegrityError(problems);

  const { sql, target: where } = await connect(o.databaseUrl, Math.max(1, o.jobs) + 1, o.signal);
  try {
    const target = await inspectTarget(sql);
    const supabase = o.supabase === "auto" ? target.supabaseDetected : o.supabase;
    if (sel.whole && target.userObjects.length > 0)
      throw new TargetError(
        `database "${target.database}" is not empty (${target.userObjects.slice(0, 5).join(", ")}${target.userObjects.length > 5 ? ", …" : ""}); a whole restore needs an empty database: create one (createdb), or restore --schema / --table`,
      );
    const plan = planRestore({
      manifest,
      whole: sel.whole,
      schemas: sel.schemas,
      tables,
      scripts,
      texts: first.texts,
      target,
      supabase,
      withDependencies: o.dependencies !== false,
    });
    const roles = o.roles
      ? planRoles(first.texts.get(ROLES_FILE) ?? "", target.roles, supabase)
      : null;
    checkOwners(plan, target, roles);
    checkReplicationRole(plan, target);
    const report = (transactions: number): RestoreReport => ({
      backupId: manifest.backup_id,
      target: `${where.host}:${where.port}/${where.database}`,
      dryRun: o.dryRun,
      whole: sel.whole,
      supabase,
      jobs: o.jobs,
      transactions,
      entries: {
        preData: plan.pre.length,
        postData: plan.post.length,
        platform: plan.left.length,
      },
      left: plan.left,
      inPlatformSchemas: plan.inPlatformSchemas,
      dependencies: plan.dependencies,
      tables: plan.tables.map((t) => ({
        schema: t.table.schema,
        name: t.table.name,
        mode: t.mode,
        rows: t.mode === "skip" ? 0 : t.table.rows,
        bytes: t.dataFiles.reduce((a, f) => a + f.bytes, 0),
        ...(t.reason ? { reason: t.reason } : {}),
      })),
      roles: roles && {
        created: roles.created,
        existing: roles.existing,
        reserved: roles.reserved,
        withoutPassword: roles.withoutPassword,
      },
      refreshed: plan.refresh.map((v) => `${v.schema}.${v.name}`),
      order: planOrder(plan),
      notRestored: plan.tables.flatMap((t) =>
        t.mode === "skip"
          ? [{ object: `table ${t.table.schema}.${t.table.name}`, reason: t.reason ?? "" }]
          : [],
      ),
      durationMs: Date.now() - started,
    });
    const loads = plan.tables.filter((t) => t.mode !== "skip" && t.dataFiles.length > 0);
    const tick = { ...progress, tablesTotal: loads.length };
    const onBytes = (n: number) => {
      tick.bytes += n;
      o.onProgress?.({ ...tick });
    };
    const tableDone = (t: PlannedTable) => {
      tick.tablesDone++;
      tick.rows += t.table.rows;
      o.onProgress?.({ ...tick });
    };
    const phase = (p: RestoreProgress["phase"]) => {
      tick.phase = p;
      o.onProgress?.({ ...tick });
    };
    const ctx: Ctx = { o, plan, roles, loads, onBytes, tableDone, phase };
    if (sel.whole && o.jobs > 1 && !supabase && !o.dryRun) {
      const transactions = await parallel(sql, target, ctx);
      phase("done");
      return report(transactions);
    }
    // Ctrl-C in the middle of a long COPY: closing the connection makes the server roll back
    // at once, instead of after the file.
    const stop = () => void sql.end({ timeout: 0 });
    o.signal.addEventListener("abort", stop, { once: true });
    const transactions = await single(sql, ctx).finally(() =>
      o.signal.removeEventListener("abort", stop),
    );
    phase("done");
    return report(transactions);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function unique(files: readonly FileEntry[]): FileEntry[] {
  const seen = new Map<string, FileEntry>();
  for (const f of files) seen.set(f.path, f);
  return [...seen.values()];
}

/** The plan as lines, in the order it runs. */
function planOrder(plan: RestorePlan): string[] {
  const entry = (section: string) => (p: { file: string; entry: { type: string; name: string } }) =>
    `${section}  ${p.entry.type} ${p.entry.name}  (${p.file})`;
  return [
    ...plan.pre.map(entry("pre-data ")),
    ...plan.tables.map((t) =>
      t.mode === "skip"
        ? `skip      table ${t.table.schema}.${t.table.name}: ${t.reason ?? ""}`
        : `data      ${t.mode} ${t.table.schema}.${t.table.name}: ${t.table.rows} rows in ${t.dataFiles.length} file(s)`,
    ),
    ...plan.post.map(entry("post-data")),
    ...plan.sequences.map((s) => `sequences ${s.file}`),
    ...plan.refresh.map((v) => `refresh   ${v.schema}.${v.name}`),
  ];
}
