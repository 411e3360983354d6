import { formatBytes } from "@tablesnap/core";
import type { RestoreReport } from "@tablesnap/restore";
import type { StorageRestoreReport } from "@tablesnap/storage";

/** What a person wants after a restore (or, with --dry-run, before one). */
export function formatRestore(r: RestoreReport): { stdout: string; stderr: string } {
  const loaded = r.tables.filter((t) => t.mode !== "skip");
  const rows = loaded.reduce((a, t) => a + t.rows, 0);
  const bytes = loaded.reduce((a, t) => a + t.bytes, 0);
  const what = `${r.entries.preData + r.entries.postData} objects, ${loaded.length} tables, ${rows} rows, ${formatBytes(bytes)}`;
  const lines = [
    r.dryRun
      ? `dry run: backup ${r.backupId} into ${r.target} would restore ${what}; nothing was written`
      : `restored backup ${r.backupId} into ${r.target}: ${what} in ${(r.durationMs / 1000).toFixed(1)} s (${r.transactions} transaction${r.transactions === 1 ? "" : "s"})`,
  ];
  if (r.dependencies.length > 0)
    lines.push(
      `  brought along because the restored objects need them: ${r.dependencies.join(", ")}`,
    );
  const replaced = r.tables.filter((t) => t.mode === "replace");
  if (replaced.length > 0)
    lines.push(`  rows replaced in ${replaced.map((t) => `${t.schema}.${t.name}`).join(", ")}`);
  if (r.supabase)
    lines.push(
      `  Supabase: ${r.left.length} object(s) the new project already has (or only the platform may make) left as they are; rows loaded into the platform's tables with session_replication_role = replica`,
    );
  if (r.inPlatformSchemas.length > 0)
    lines.push(
      `  the application's objects in platform schemas, restored: ${r.inPlatformSchemas.join(", ")}`,
    );
  const reasons = new Map<string, string[]>();
  for (const l of r.left) reasons.set(l.reason, [...(reasons.get(l.reason) ?? []), l.object]);
  for (const [reason, objects] of reasons) lines.push(`  left (${reason}): ${objects.join(", ")}`);
  if (r.roles) {
    lines.push(`  roles created: ${r.roles.created.join(", ") || "none"}`);
    if (r.roles.existing.length > 0)
      lines.push(`  roles already there, left as they are: ${r.roles.existing.join(", ")}`);
    if (r.roles.withoutPassword.length > 0)
      lines.push(
        `  roles that can log in but have no password (the backup holds none): ${r.roles.withoutPassword.join(", ")}; set one with ALTER ROLE … PASSWORD`,
      );
    if (r.roles.reserved.length > 0)
      lines.push(`  platform roles left alone: ${r.roles.reserved.join(", ")}`);
  }
  for (const n of r.notRestored) lines.push(`  NOT RESTORED ${n.object}: ${n.reason}`);
  if (r.refreshed.length > 0) lines.push(`  materialized views refreshed: ${r.refreshed.length}`);
  return { stdout: r.dryRun ? `${r.order.join("\n")}\n` : "", stderr: `${lines.join("\n")}\n` };
}

/** The files a `restore --storage` put back (or would), deleted, and how rows and files agree. */
export function formatStorageRestore(r: StorageRestoreReport): string {
  const verb = r.dryRun ? "would put" : "put";
  const lines = r.buckets.map(
    (b) =>
      `storage ${b.name}: ${verb} ${b.put} file(s) (${formatBytes(b.putBytes)}), ${b.same} already equal${b.deleted.length > 0 ? `, ${r.dryRun ? "would delete" : "deleted"} ${b.deleted.length} (--mirror)` : ""}`,
  );
  for (const b of r.buckets)
    for (const k of b.deleted)
      lines.push(`  ${r.dryRun ? "would delete" : "deleted"} ${b.name}/${k}`);
  if (r.dryRun) lines.push("dry run: no file was written or deleted");
  const from = r.rowsFrom === "target database" ? "in the target database" : "in the backup";
  lines.push(
    r.rowsWithoutFileCount + r.filesWithoutRowCount === 0
      ? `storage.objects rows ${from} and the files agree`
      : `storage.objects rows ${from}: ${r.rowsWithoutFileCount} without a file, ${r.filesWithoutRowCount} file(s) without a row`,
  );
  for (const n of r.rowsWithoutFile) lines.push(`  row without a file: ${n}`);
  for (const n of r.filesWithoutRow) lines.push(`  file without a row: ${n}`);
  return `${lines.join("\n")}\n`;
}
