import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { BranchMovedError, GitError } from "../errors.ts";
import type { CommitInfo, HistoryRepo, NewCommit } from "../history.ts";
import type {
  BackupRepo,
  CommitRequest,
  CommitResult,
  EntryMode,
  TreeEntry,
  TreeOp,
} from "../types.ts";
import { formatCommitObject, parseCommitObject } from "./commit-object.ts";
import { git, gitText, sendBlob, writeToChild } from "./git.ts";

const ZERO = "0".repeat(40);

/**
 * Level-1 zlib, and no delta search for blobs over 1 MiB: parts of a table are not deltas of each
 * other, and the search cost four times the whole write on a 1 GB table. Level 0 for ciphertext,
 * which does not compress: zlib only spent time on it (40 s more for a 1 GB table).
 */
export function fastImportConfig(level: 0 | 1 = 1): string[] {
  return [
    ...["-c", `core.compression=${level}`, "-c", `pack.compression=${level}`],
    ...["-c", "core.bigFileThreshold=1m"],
  ];
}

/**
 * A BackupRepo on a git repository on disk, through the git CLI. A commit is built with one
 * `git fast-import` (blobs streamed in, folders reused by tree SHA) on a private ref, then the
 * branch is moved with a compare-and-swap `update-ref`: it moves once, or not at all.
 */
export class LocalGitRepo implements BackupRepo, HistoryRepo {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async head(branch: string): Promise<string | null> {
    const r = await git(
      this.dir,
      ["rev-parse", "--verify", "-q", `refs/heads/${branch}^{commit}`],
      { allowFail: true },
    );
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  async treeOf(commit: string): Promise<string> {
    return gitText(this.dir, ["rev-parse", `${commit}^{tree}`]);
  }

  async listTree(commit: string, path: string): Promise<TreeEntry[] | null> {
    const r = await git(this.dir, ["ls-tree", "-z", `${commit}:${path}`], { allowFail: true });
    if (r.code !== 0) return null;
    return parseLsTree(r.stdout).map(({ mode, sha, path: name }) => ({ name, mode, sha }));
  }

  async listFiles(commit: string, path: string): Promise<Map<string, string> | null> {
    const r = await git(this.dir, ["ls-tree", "-r", "-z", `${commit}:${path}`], {
      allowFail: true,
    });
    if (r.code !== 0) return null;
    return new Map(parseLsTree(r.stdout).map((e) => [e.path, e.sha]));
  }

  async readFile(commit: string, path: string): Promise<Uint8Array | null> {
    const r = await git(this.dir, ["cat-file", "blob", `${commit}:${path}`], { allowFail: true });
    return r.code === 0 ? r.stdout : null;
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    const raw = await git(this.dir, ["cat-file", "commit", sha]);
    return parseCommitObject(sha, raw.stdout.toString("utf8"));
  }

  async writeCommit(c: NewCommit): Promise<string> {
    const input = formatCommitObject(c);
    return (await git(this.dir, ["hash-object", "-t", "commit", "-w", "--stdin"], { input })).stdout
      .toString()
      .trim();
  }

  async forceBranch(branch: string, sha: string, expected: string | null): Promise<void> {
    const args = ["update-ref", "-m", "tablesnap: prune", `refs/heads/${branch}`, sha];
    const moved = await git(this.dir, [...args, expected ?? ZERO], { allowFail: true });
    if (moved.code !== 0)
      throw new BranchMovedError(branch, { context: { detail: moved.stderr.trim() } });
  }

  async countCommits(sha: string): Promise<number> {
    return Number(await gitText(this.dir, ["rev-list", "--count", "--first-parent", sha]));
  }

  async commit(req: CommitRequest): Promise<CommitResult> {
    const pending = `refs/tablesnap/pending-${randomBytes(6).toString("hex")}`;
    try {
      await fastImport(this.dir, pending, req);
      const commit = await gitText(this.dir, ["rev-parse", pending]);
      const tree = await gitText(this.dir, ["rev-parse", `${pending}^{tree}`]);
      const moved = await git(
        this.dir,
        [
          "update-ref",
          "-m",
          "tablesnap: backup",
          `refs/heads/${req.branch}`,
          commit,
          req.parent ?? ZERO,
        ],
        { allowFail: true },
      );
      if (moved.code !== 0)
        throw new BranchMovedError(req.branch, { context: { detail: moved.stderr.trim() } });
      return { commit, tree };
    } finally {
      await git(this.dir, ["update-ref", "-d", pending], { allowFail: true });
    }
  }
}

function parseLsTree(out: Buffer): { mode: EntryMode; sha: string; path: string }[] {
  const entries: { mode: EntryMode; sha: string; path: string }[] = [];
  for (const rec of out.toString("utf8").split("\0")) {
    if (!rec) continue;
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t([\s\S]*)$/.exec(rec);
    if (!m) throw new GitError(`unexpected ls-tree output: ${JSON.stringify(rec)}`);
    entries.push({
      mode: (m[1] === "40000" ? "040000" : m[1]) as EntryMode,
      sha: m[3] ?? "",
      path: m[4] ?? "",
    });
  }
  return entries;
}

/** Streams every new blob and the tree edits into one fast-import, which writes one pack. */
async function fastImport(dir: string, ref: string, req: CommitRequest): Promise<void> {
  const child = spawn(
    "git",
    [...fastImportConfig(), "fast-import", "--quiet", "--done", "--date-format=raw"],
    {
      cwd: dir,
      env: { ...process.env, LC_ALL: "C" },
      stdio: ["pipe", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const closed = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? -1));
  });
  child.stdin.on("error", () => {}); // reported by writeToChild and the exit code
  const write = (data: string | Uint8Array) => writeToChild(child.stdin, data);
  try {
    const marks = new Map<number, string>();
    let mark = 0;
    for (const [i, op] of req.ops.entries()) {
      if (op.op !== "file" || op.source.kind !== "artifact") continue;
      marks.set(i, `:${++mark}`);
      await sendBlob(write, req.artifacts, mark, op.source.path, op.source.bytes);
    }
    const when = `${Math.floor(Date.now() / 1000)} +0000`;
    const who = `${req.author.name} <${req.author.email}> ${when}`;
    const msg = Buffer.from(req.message, "utf8");
    await write(`commit ${ref}\nauthor ${who}\ncommitter ${who}\ndata ${msg.length}\n`);
    await write(msg);
    await write("\n");
    if (req.parent) await write(`from ${req.parent}\n`);
    for (const [i, op] of req.ops.entries()) await write(opLine(op, marks.get(i)));
    await write("\ndone\n");
    child.stdin.end();
  } catch (e) {
    child.kill("SIGTERM");
    await closed.catch(() => -1);
    throw e;
  }
  const code = await closed;
  if (code !== 0)
    throw new GitError(`git fast-import failed: ${stderr.trim().split("\n").slice(-3).join(" ")}`);
}

function opLine(op: TreeOp, mark: string | undefined): string {
  const path = quotePath(op.path);
  switch (op.op) {
    case "delete":
      return `D ${path}\n`;
    case "tree":
      return `M 040000 ${op.sha} ${path}\n`;
    case "symlink": {
      const target = Buffer.from(op.target, "utf8");
      return `M 120000 inline ${path}\ndata ${target.length}\n${op.target}\n`;
    }
    case "file": {
      if (op.source.kind === "blob") return `M 100644 ${op.source.sha} ${path}\n`;
      if (op.source.kind === "text") {
        const data = Buffer.from(op.source.text, "utf8");
        return `M 100644 inline ${path}\ndata ${data.length}\n${op.source.text}\n`;
      }
      if (!mark) throw new GitError(`no blob was sent for ${op.path}`);
      return `M 100644 ${mark} ${path}\n`;
    }
  }
}

/** fast-import takes a path as is unless it starts with `"` or holds a newline. */
function quotePath(path: string): string {
  if (!/^"|[\n\\"]/.test(path)) return path;
  return JSON.stringify(path);
}
