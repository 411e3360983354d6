import { realpath, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { FsArtifactStore } from "@tablesnap/artifacts";
import { UsageError } from "@tablesnap/core";
import { GitTreeReader, LocalGitRepo } from "@tablesnap/publish";
import { type BackupReader, type VerifyReport, verifyBackup } from "@tablesnap/restore";

export const VERIFY_HELP = `Usage: tablesnap verify <backup folder>
       tablesnap verify --repo DIR [--backup latest|<folder name>] [--branch main]

Re-hashes every file of a backup and compares it with its manifest.json: every file listed is
there with its size and sha256, nothing is there that is not listed, every table has its files.
One line per problem on stdout.

  <backup folder>         a backup folder (in a clone or a plain copy; symlinks are followed)
  --repo DIR              read the backup straight from git instead (no checkout needed)
  --backup NAME           latest (default), a latest_<time> folder or an archive folder name
  --branch NAME           the branch to read (default: main)
  --json                  print the report as JSON

Exit codes: 0 every check holds, 1 a problem was found, 2 bad usage.`;

export interface VerifyArgs {
  readonly folder: string | undefined;
  readonly repo: string | undefined;
  readonly backup: string;
  readonly branch: string;
  readonly json: boolean;
}

export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError("verify takes one backup folder");
  const folder = positionals[0];
  if (!folder && !values.repo) throw new UsageError("give a backup folder, or --repo DIR");
  if (folder && values.repo) throw new UsageError("give a backup folder or --repo DIR, not both");
  return {
    folder,
    repo: values.repo,
    backup: values.backup ?? "latest",
    branch: values.branch ?? "main",
    json: values.json ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      repo: { type: "string" },
      backup: { type: "string" },
      branch: { type: "string" },
      json: { type: "boolean" },
    },
  });
}

export async function verifyCommand(args: VerifyArgs): Promise<VerifyReport> {
  return verifyBackup(await openReader(args));
}

/** A folder on disk (symlinks followed), or a backup folder of a commit read from git. */
async function openReader(args: VerifyArgs): Promise<BackupReader> {
  if (args.folder) {
    let dir: string;
    try {
      dir = await realpath(args.folder);
      if (!(await stat(dir)).isDirectory()) throw new Error("not a folder");
    } catch {
      throw new UsageError(`no backup folder at ${args.folder}`);
    }
    return new FsArtifactStore(dir);
  }
  const repoDir = args.repo ?? ".";
  const repo = new LocalGitRepo(repoDir);
  const head = await repo.head(args.branch).catch(() => null);
  if (!head) throw new UsageError(`no branch ${args.branch} in the repository at ${repoDir}`);
  const folder = await backupFolder(repo, head, args.backup);
  if (!folder)
    throw new UsageError(
      `no backup ${JSON.stringify(args.backup)} on ${args.branch} in ${repoDir}`,
    );
  return new GitTreeReader(repoDir, `${head}:${folder}`);
}

async function backupFolder(
  repo: LocalGitRepo,
  commit: string,
  name: string,
): Promise<string | null> {
  if (name === "latest") {
    const link = await repo.readFile(commit, "backups/latest/latest");
    return link ? `backups/latest/${Buffer.from(link).toString("utf8").trim()}` : null;
  }
  for (const parent of ["backups/latest", "backups/archive"]) {
    const entries = await repo.listTree(commit, parent);
    if (entries?.some((e) => e.name === name && e.mode === "040000")) return `${parent}/${name}`;
  }
  return null;
}

export function formatVerify(r: VerifyReport): { stdout: string; stderr: string } {
  const lines = r.problems.map((p) => p.message);
  const summary = r.ok
    ? `ok: backup ${r.backupId} — ${r.files} files, ${r.bytes} bytes, every checksum matches`
    : `FAILED: ${r.problems.length} problem(s) in backup ${r.backupId ?? "(no readable manifest)"}`;
  return { stdout: lines.length > 0 ? `${lines.join("\n")}\n` : "", stderr: `${summary}\n` };
}
