import { formatBytes, type Manifest } from "@tablesnap/core";

/** One line a person can read in `git log --oneline`, then the details a machine can read. */
export function commitMessage(m: Manifest): string {
  const t = m.triggers[0];
  const subject =
    `backup ${m.snapshot.database} at ${m.snapshot.time}: ${m.totals.tables} tables, ` +
    `${m.totals.rows} rows, ${formatBytes(m.totals.bytes)}${m.status === "partial" ? " (PARTIAL)" : ""}`;
  const lines = [
    subject,
    "",
    `Trigger: ${t ? `${t.event} from ${t.source} (${t.ref})` : "none"}${m.triggers.length > 1 ? ` and ${m.triggers.length - 1} more` : ""}`,
    `Status: ${m.status}${m.skipped.length > 0 ? `, ${m.skipped.length} object(s) skipped:` : ""}`,
    ...m.skipped.map((s) => `  - ${s.object}: ${s.reason}`),
    `Server: PostgreSQL ${m.snapshot.server_version}`,
    `Backup-Id: ${m.backup_id}`,
  ];
  return `${lines.join("\n")}\n`;
}
