/**
 * The README of the first commit of an empty GitHub repository: GitHub's Git Data API refuses to
 * write into a repository without any commit, and the contents API that can makes one file.
 */
export function backupReadme(repository: string): string {
  return `# Database backups

This repository (${repository}) holds backups of a PostgreSQL database, written by
tablesnap: one commit per backup, each a consistent
snapshot of the whole database.

## Layout

\`\`\`
backups/
  latest/
    latest -> latest_<time>                 symlink to the newest backup
    latest_<time>/                          the newest backup
      manifest.json                         what is in it: tables, row counts, sha256 of every file
      roles.sql                             roles (password hashes only where they were readable)
      database.sql, toc.tsv                 database-wide objects and pg_dump's order of entries
      <schema>/schema.sql                   types, functions, views, ... of the schema
      <schema>/<schema>.dump                pg_dump -Fc of the whole schema
      <schema>/tables/<table>/schema.sql    the table, its indexes, constraints, triggers, grants
      <schema>/tables/<table>/data.sql      its rows (COPY), in primary-key order
  archive/
    <time>--<source>--<event>--<ref>/       earlier backups, same layout, newest 30 / 30 days kept
\`\`\`

Times are UTC (\`YYYY-MM-DDTHH-MM-SSZ\`). Files above 32 MiB are split into
\`data.part-002.sql\`, … at row boundaries. Unchanged tables are the same git blobs as in the
backup before, so they cost nothing to store.

## Restoring

\`tablesnap restore --repo <clone> --database-url postgres://…\` (whole database, \`--schema\`, or
\`--table\`), or by hand: \`psql -f\` a table's \`schema.sql\` and \`data.sql\`, or \`pg_restore\` a
schema's \`.dump\`. \`tablesnap verify <backup folder>\` checks every file against the manifest.

Treat this repository as a secret: it holds all the data of the database.
`;
}
