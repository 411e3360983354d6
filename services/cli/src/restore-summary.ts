import { formatBytes } from "@tablesnap/core";
import type { RestoreReport } from "@tablesnap/restore";

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
