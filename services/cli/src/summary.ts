import { formatBytes } from "@tablesnap/core";
import type { BackupOutcome } from "./commands/backup.ts";

/** The few lines a person wants after a backup: what, where, and what was left out. */
export function formatSummary({ manifest: m, publish: p, storage: s }: BackupOutcome): string {
  const lines = [
    p.changed
      ? `committed ${p.commit.slice(0, 12)}: ${p.folder}`
      : p.unchanged
        ? `unchanged: nothing changed since ${p.folder} (commit ${p.commit.slice(0, 12)}); nothing committed`
        : `unchanged: the branch already holds backup ${m.backup_id}`,
    `  ${m.totals.tables} tables, ${m.totals.rows} rows, ${formatBytes(m.totals.bytes)} in ${m.totals.files} files, ${(m.duration_ms / 1000).toFixed(1)} s`,
  ];
  if (s)
    lines.push(
      `  storage: ${s.objects} objects in ${m.storage?.buckets.length ?? 0} bucket(s); ${s.read} read (${formatBytes(s.readBytes)}), ${s.copied} new file(s) kept (${formatBytes(s.copiedBytes)}), ${s.unchanged} unchanged${s.gone > 0 ? `, ${s.gone} gone when read (deleted meanwhile, or a row without a file)` : ""}`,
    );
  const changedFiles = m.storage?.buckets.reduce((a, b) => a + b.changed_during_backup, 0) ?? 0;
  if (changedFiles > 0)
    lines.push(
      `  storage: ${changedFiles} object(s) changed after the database snapshot (marked in objects.jsonl)`,
    );
  if (p.reusedFiles > 0) lines.push(`  ${p.reusedFiles} files unchanged since the previous backup`);
  if (p.writes !== undefined) lines.push(`  ${p.writes} write requests to GitHub`);
  if (p.archived.length > 0)
    lines.push(`  previous backup archived as backups/archive/${p.archived.join(", ")}`);
  if (p.pruned.length > 0) lines.push(`  ${p.pruned.length} old archive(s) removed by retention`);
  if (m.status === "partial") {
    lines.push(`  PARTIAL: ${m.skipped.length} object(s) skipped:`);
    for (const s of m.skipped) lines.push(`    ${s.object}: ${s.reason}`);
  }
  if (m.roles.passwords) lines.push("  roles.sql holds role password hashes (--role-passwords)");
  return lines.join("\n");
}
