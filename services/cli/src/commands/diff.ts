import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { UsageError } from "@tablesnap/core";
import {
  backupIn,
  GitTreeReader,
  LocalGitRepo,
  previousBackupName,
  RepoTreeReader,
} from "@tablesnap/publish";
import {
  type BackupDiff,
  type DiffSide,
  diffBackups,
  plainView,
  readAll,
  readManifest,
} from "@tablesnap/restore";
import { identityFilesOf, loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import { type BackupTarget, parseTarget } from "../target-args.ts";
import { openGitHubTarget } from "./github-target.ts";

const run = promisify(execFile);

export interface DiffArgs {
  /** A local repository, or a GitHub repository read through the API. */
  readonly source: BackupTarget & { kind: "local" | "github" };
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
  const source =
    values.github === undefined && values["github-api-url"] === undefined
      ? ({ kind: "local", dir: values.repo ?? "." } as const)
      : parseTarget(values, env);
  if (source.kind === "git-remote") throw new UsageError("diff reads --repo or --github");
  return {
    source,
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
      github: { type: "string" },
      "github-api-url": { type: "string" },
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
  const { repo, where, readerOf } = await openRepo(args.source);
  const from = args.from ?? (await previousBackupName(repo, where, args.branch));
  if (!from)
    throw new UsageError(`no backup before the latest on ${args.branch}: nothing to compare`);
  const ids = await loadIdentities(args.identityFiles);
  const open = async (name: string) => {
    const found = await backupIn(repo, where, args.branch, name);
    const reader = readerOf(found.commit, found.folder);
    const view = plainView(await readManifest(reader), reader, ids);
    const side: DiffSide = { name: found.name, manifest: view.manifest, reader: view.reader };
    return { side };
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
    const before = a.side.manifest.tables.find((e) => `${e.schema}.${e.name}` === t.table);
    const old = before?.files.find((f) => f.path.endsWith("/schema.sql"))?.path;
    schemas[t.table] = await unifiedDiff(
      old === undefined ? Buffer.alloc(0) : await readAll(a.side.reader, old),
      await readAll(b.side.reader, path),
      path,
    );
  }
  return { diff, schemas };
}

/** Where `diff` reads: git on disk streams each file; the GitHub API serves each blob whole. */
async function openRepo(source: DiffArgs["source"]) {
  if (source.kind === "local") {
    const repo = new LocalGitRepo(source.dir);
    return {
      repo,
      where: source.dir,
      readerOf: (commit: string, folder: string) =>
        new GitTreeReader(source.dir, `${commit}:${folder}`),
    };
  }
  const repo = await openGitHubTarget(source);
  const where = `GitHub ${source.repository}`;
  return {
    repo,
    where,
    readerOf: (commit: string, folder: string) =>
      new RepoTreeReader(repo, commit, folder, `${where} (${folder})`),
  };
}

/** `git diff --no-index` of two texts, headed by the file's path in the backup. */
async function unifiedDiff(before: Buffer, after: Buffer, path: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tablesnap-diff-"));
  try {
    await writeFile(join(dir, "a"), before);
    await writeFile(join(dir, "b"), after);
    const r = await run("git", ["diff", "--no-index", "--no-color", "a", "b"], {
      cwd: dir,
      maxBuffer: 64 << 20,
    }).catch((e: { code?: number; stdout?: string }) => {
      if (e.code === 1 && typeof e.stdout === "string") return { stdout: e.stdout }; // they differ
      throw e;
    });
    return r.stdout
      .replace(/^--- a\/a$/m, `--- a/${path}`)
      .replace(/^\+\+\+ b\/b$/m, `+++ b/${path}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
