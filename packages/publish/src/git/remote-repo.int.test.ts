import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { cloneAndFsck, gitOut } from "../../test/github.ts";
import { type Files, manifestOf, storeOf } from "../../test/manifests.ts";
import { GitRemoteError, ProtectedBranchError } from "../errors.ts";
import { publishBackup } from "../publish.ts";
import type { BackupRepo, CommitRequest } from "../types.ts";
import { GitRemoteRepo } from "./remote-repo.ts";

const files: Files = { "database.sql": "-- db\n", "public/tables/t/data.sql": "1\n" };

async function bare(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-bare-"));
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", dir]);
  return dir;
}

async function publish(repo: BackupRepo, id: string, time: string) {
  return publishBackup({
    repo,
    branch: "main",
    manifest: manifestOf(id, time, files),
    artifacts: await storeOf(files),
    retention: { keep: 30, keepDays: 30 },
    commitUnchanged: true, // every backup here holds the same files: commit each anyway
  });
}

/** Another machine pushing a commit to the remote's main. */
async function pushFromElsewhere(remote: string): Promise<void> {
  const work = join(await mkdtemp(join(tmpdir(), "tsnap-other-")), "w");
  execFileSync("git", ["clone", "-q", remote, work]);
  await writeFile(join(work, "NOTES.md"), "notes\n");
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "o",
    GIT_AUTHOR_EMAIL: "o@x",
    GIT_COMMITTER_NAME: "o",
    GIT_COMMITTER_EMAIL: "o@x",
  };
  execFileSync("git", ["add", "NOTES.md"], { cwd: work });
  execFileSync("git", ["commit", "-q", "-m", "someone else"], { cwd: work, env });
  execFileSync("git", ["push", "-q", "origin", "HEAD:main"], { cwd: work });
}

describe("GitRemoteRepo", () => {
  it("fetches again and rebuilds on top when the push is rejected; no commit is lost", async () => {
    const remote = await bare();
    // A relative path is the remote seen from here, not from the temporary repository.
    const repo = await GitRemoteRepo.open(relative(process.cwd(), remote));
    await publish(repo, "b1", "2026-11-22T10:00:00Z");
    let raced = false;
    const racing: BackupRepo = {
      head: (b) => repo.head(b),
      treeOf: (c) => repo.treeOf(c),
      listTree: (c, p) => repo.listTree(c, p),
      listFiles: (c, p) => repo.listFiles(c, p),
      readFile: (c, p) => repo.readFile(c, p),
      async commit(req: CommitRequest) {
        if (!raced) {
          raced = true;
          await pushFromElsewhere(remote);
        }
        return repo.commit(req);
      },
    };
    const r = await publish(racing, "b2", "2026-11-22T11:00:00Z");
    await repo.close();
    expect(gitOut(remote, "rev-parse", "main")).toBe(r.commit);
    expect(gitOut(remote, "log", "--format=%s", "main")).toMatch(
      /^backup db at .*\nsomeone else\nbackup db at /,
    );
    const clone = await cloneAndFsck(remote);
    expect(gitOut(clone, "ls-tree", "--name-only", "HEAD")).toBe("NOTES.md\nbackups");
  });

  it("names a push a server hook refused, and hides credentials of an unreachable remote", async () => {
    const remote = await bare();
    const hook = join(remote, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'main is protected' >&2\nexit 1\n");
    await chmod(hook, 0o755);
    const repo = await GitRemoteRepo.open(remote);
    await expect(publish(repo, "b1", "2026-11-22T10:00:00Z")).rejects.toThrow(ProtectedBranchError);
    await repo.close();

    const away = await GitRemoteRepo.open("http://user:s3cret@127.0.0.1:9/none.git");
    const failed = away.head("main");
    await expect(failed).rejects.toThrow(GitRemoteError);
    await expect(failed).rejects.toThrow(
      /^cannot read http:\/\/\*\*\*@127\.0\.0\.1:9\/none\.git: /,
    );
    await expect(failed).rejects.not.toThrow(/s3cret/);
    await away.close();
  });
});
