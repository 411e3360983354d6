import { mkdir, open, readdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { UsageError } from "@tablesnap/core";
import { RepoStateError } from "../errors.ts";
import { git, gitText } from "./git.ts";
import { LocalGitRepo } from "./local-repo.ts";

/** A local backup repository opened for one run: checked, locked, with a private staging area. */
export interface LocalRepoSession {
  readonly repo: LocalGitRepo;
  readonly dir: string;
  /** The repository's git dir (`.git`, or the folder itself when bare). */
  readonly gitDir: string;
  readonly created: boolean;
  /** A folder inside the git dir (never in the work tree) for this run's artifacts. */
  stagingDir(backupId: string): string;
  /** Brings the work tree up to the branch after a publish, when that branch is checked out. */
  syncWorkTree(branch: string): Promise<void>;
  /** Removes the staging area and the lock. */
  close(): Promise<void>;
  /** After a failed run: removes the lock, staging area and the repository this run created. */
  discard(): Promise<void>;
}

/**
 * Opens `--repo DIR`: created and initialised when missing or empty; refused when it is a file,
 * a non-empty folder that is not a git repository, a clone with uncommitted changes, or in use by
 * another run. Nothing in it is changed before every check has passed.
 */
export async function openLocalRepo(dirArg: string, branch: string): Promise<LocalRepoSession> {
  const dir = resolve(dirArg);
  const kind = await classify(dir);
  if (kind === "file") throw new UsageError(`--repo ${dirArg} is a file, not a folder`);
  if (kind === "other") {
    throw new UsageError(
      `--repo ${dirArg} is a folder with files but not a git repository; give an empty or new folder, or a clone`,
    );
  }
  const created = kind === "missing" || kind === "empty";
  const existed = kind !== "missing";
  if (created) {
    await mkdir(dir, { recursive: true });
    await git(dir, ["init", "-q", "-b", branch]);
    // The work tree shows the newest backup only; archives live in git, not again on disk
    // (`git sparse-checkout disable` shows them). Clones given to us keep their own setting.
    await git(dir, ["sparse-checkout", "set", "--cone", "backups/latest"]);
  }
  const bare = (await gitText(dir, ["rev-parse", "--is-bare-repository"])) === "true";
  if (!bare) {
    const dirty = await gitText(dir, ["status", "--porcelain", "--untracked-files=normal"]);
    if (dirty)
      throw new RepoStateError(
        `--repo ${dirArg} has uncommitted changes (see git status); commit or stash them first`,
      );
  }
  const checkedOut = bare
    ? null
    : (await git(dir, ["rev-parse", "-q", "--verify", "HEAD"], { allowFail: true })).stdout
        .toString()
        .trim() || null;
  const gitDirRaw = await gitText(dir, ["rev-parse", "--git-dir"]);
  const gitDir = isAbsolute(gitDirRaw) ? gitDirRaw : join(dir, gitDirRaw);
  const home = join(gitDir, "tablesnap");
  await mkdir(home, { recursive: true });
  const unlock = await lock(join(home, "lock"), dirArg);
  // Holding the lock, anything left in staging is from a run that died: nothing of it was published.
  await rm(join(home, "staging"), { recursive: true, force: true });
  const close = async () => {
    await rm(join(home, "staging"), { recursive: true, force: true });
    await unlock();
  };
  return {
    repo: new LocalGitRepo(dir),
    dir,
    gitDir,
    created,
    stagingDir: (id) => join(home, "staging", id),
    async syncWorkTree(b) {
      if (bare) return;
      const head = await git(dir, ["symbolic-ref", "-q", "HEAD"], { allowFail: true });
      if (head.stdout.toString().trim() !== `refs/heads/${b}`) return;
      // A two-way merge from what was checked out when the run began: it refuses, instead of
      // overwriting, files someone changed while the run went on.
      const from = checkedOut ? [checkedOut] : [];
      const r = await git(dir, ["read-tree", "-m", "-u", ...from, "HEAD"], { allowFail: true });
      if (r.code !== 0) {
        throw new RepoStateError(
          `the backup is committed, but files in ${dirArg} changed during the run and the work tree was not updated (${r.stderr.trim().split("\n")[0]}); see git status`,
        );
      }
    },
    close,
    async discard() {
      await close();
      if (!created) return;
      // Leave the folder as the run found it: gone if it was missing, empty if it was empty.
      if (existed) await rm(join(dir, ".git"), { recursive: true, force: true });
      else await rm(dir, { recursive: true, force: true });
    },
  };
}

async function classify(dir: string): Promise<"missing" | "file" | "empty" | "repo" | "other"> {
  let s: Awaited<ReturnType<typeof stat>>;
  try {
    s = await stat(dir);
  } catch {
    return "missing";
  }
  if (!s.isDirectory()) return "file";
  if ((await readdir(dir)).length === 0) return "empty";
  // The folder must be a repository of its own, not a folder inside some other clone.
  const top = await git(dir, ["rev-parse", "--show-toplevel"], { allowFail: true });
  if (top.code === 0 && (await realpath(top.stdout.toString().trim())) === (await realpath(dir)))
    return "repo";
  const bare = await git(dir, ["rev-parse", "--is-bare-repository", "--absolute-git-dir"], {
    allowFail: true,
  });
  const [isBare, gitDir] = bare.stdout.toString().trim().split("\n");
  if (
    bare.code === 0 &&
    isBare === "true" &&
    gitDir &&
    (await realpath(gitDir)) === (await realpath(dir))
  )
    return "repo";
  return "other";
}

/** An exclusive lock file holding our pid; a lock whose process is gone is taken over. */
async function lock(path: string, label: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const f = await open(path, "wx");
      await f.writeFile(String(process.pid));
      await f.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (pid > 0 && pid !== process.pid && alive(pid)) {
        throw new RepoStateError(`--repo ${label} is in use by another tablesnap run (pid ${pid})`);
      }
      await rm(path, { force: true });
    }
  }
  throw new RepoStateError(`cannot lock --repo ${label}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}
