import { execFileSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { describeBackupRepo } from "../../test/contract.ts";
import { type GitHubHarness, startGitHub } from "../../test/github.ts";
import { GitRemoteRepo } from "../git/remote-repo.ts";

let h: GitHubHarness;
beforeAll(async () => {
  h = await startGitHub();
});
afterAll(async () => {
  await h?.close();
});

describeBackupRepo("GitHub (emulator)", async () =>
  h.open(await h.createRepo("contract", { unbornMain: true })),
);

describeBackupRepo("git remote (bare repository)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-remote-"));
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", dir]);
  return GitRemoteRepo.open(dir);
});
