import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { UsageError } from "@tablesnap/core";
import {
  type BackupDiff,
  type DiffSide,
  diffBackups,
  plainView,
  readManifest,
} from "@tablesnap/restore";
import { IDENTITY_HELP, identityFilesOf, loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import { committedBackup, previousBackupName } from "./reader.ts";

const run = promisify(execFile);

export const DIFF_HELP = `Usage: tablesnap diff [--repo DIR] [FROM] [TO] [options]

What changed between two backups, read from the backup repository alone (no database): tables
added and removed, and for each changed table its rows added, removed and changed, matched by
primary key (tables without one are compared as multisets of rows), and its schema.sql as a
unified diff. Streams: memory stays bounded whatever the size of a table.

  FROM, TO                backups as restore --backup names them: latest, latest_<time>, or an
                          archive folder name (default: the newest archive, and latest)
  --repo DIR              the backup repository (default: the current folder)
  --branch NAME           the branch to read (default: main)
${IDENTITY_HELP}
  --rows                  print every row added (+), removed (-) and changed (~ new, then the old)
  --json                  print the result as JSON

Exit codes: 0 done (changes or none), 1 failed, 2 bad usage.`;

export interface DiffArgs {
  readonly repo: string;
  readonly branch: string;
  readonly from: string | undefined;
  readonly to: string;
  readonly identityFiles: readonly string[];
  readonly rows: boolean;
  readonly json: boolean;
}

export function parseDiffArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): DiffArgs {
  const parsed = parse(argv);
  const { values, positionals } = parsed;
  if (positionals.length > 2) throw new UsageError("diff takes at most two backups: FROM and TO");
  return {
    repo: values.repo ?? ".",
    branch: values.branch ?? "main",
    from: positionals[0],
    to: positionals[1] ?? "latest",
    identityFiles: identityFilesOf(values.identity, env),
    rows: values.rows ?? false,
    json: values.json ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseFlags(
    argv,
    {
      repo: { type: "string" },
      branch: { type: "string" },
      identity: { type: "string", multiple: true },
      rows: { type: "boolean" },
      json: { type: "boolean" },
    },
    true,
  );
}

export interface DiffOutcome {
  readonly diff: BackupDiff;
  /** Unified diffs of the schema.sql files that changed, by table. */
  readonly schemas: Readonly<Record<string, string>>;
}

/** Runs the diff; `--rows` lines go to `print` as they are found. */
export async function diffCommand(
  args: DiffArgs,
  print: (line: string) => void,
): Promise<DiffOutcome> {
  const from = args.from ?? (await previousBackupName(args.repo, args.branch));
  if (!from)
    throw new UsageError(`no backup before the latest on ${args.branch}: nothing to compare`);
  const ids = await loadIdentities(args.identityFiles);
  const open = async (name: string) => {
    const b = await committedBackup(args.repo, args.branch, name);
    const view = plainView(await readManifest(b.reader), b.reader, ids);
    const side: DiffSide = { name: b.name, manifest: view.manifest, reader: view.reader };
    return { side, treeish: b.treeish };
  };
  const [a, b] = [await open(from), await open(args.to)];
  const diff = await diffBackups(
    a.side,
    b.side,
    args.rows
      ? (table, c) =>
          print(
            c.kind === "changed"
              ? `${table} ~ ${c.after}\n${table}   was ${c.before}`
              : `${table} ${c.kind === "added" ? "+" : "-"} ${c.row}`,
          )
      : undefined,
  );
  const schemas: Record<string, string> = {};
  for (const t of diff.changed.filter((c) => c.schemaChanged)) {
    const entry = b.side.manifest.tables.find((e) => `${e.schema}.${e.name}` === t.table);
    const path = entry?.files.find((f) => f.path.endsWith("/schema.sql"))?.path;
    if (!path || entry?.files.find((f) => f.path === path)?.recipients) {
      schemas[t.table] = "(schema.sql is encrypted: not shown)";
      continue;
    }
    schemas[t.table] = await gitDiff(args.repo, `${a.treeish}/${path}`, `${b.treeish}/${path}`);
  }
  return { diff, schemas };
}

async function gitDiff(repo: string, a: string, b: string): Promise<string> {
  const r = await run("git", ["-C", repo, "diff", "--no-color", a, b], { maxBuffer: 64 << 20 });
  return r.stdout;
}

/** The summary, one line per changed table, and the schema diffs. */
export function formatDiff(o: DiffOutcome): { stdout: string; stderr: string } {
  const d = o.diff;
  const lines = [
    ...d.added.map((t) => `added    ${t}`),
    ...d.removed.map((t) => `removed  ${t}`),
    ...d.changed.map((c) => {
      const rows = c.rows
        ? `+${c.rows.added} / −${c.rows.removed} / ~${c.rows.changed} rows (by ${c.by})`
        : "rows unchanged";
      return `changed  ${c.table}: ${rows}${c.schemaChanged ? "; schema changed" : ""}`;
    }),
    ...Object.entries(o.schemas).map(([t, text]) => `\n--- schema of ${t}\n${text.trimEnd()}`),
  ];
  const t = d.totals;
  const summary = `${d.from} → ${d.to}: ${d.changed.length} tables changed: +${t.added} / −${t.removed} / ~${t.changed} rows; ${d.added.length} added, ${d.removed.length} removed`;
  return { stdout: lines.length > 0 ? `${lines.join("\n")}\n` : "", stderr: `${summary}\n` };
}
