import { execFileSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeBackupRepo } from "../test/contract.ts";
import { LocalGitRepo } from "./git/local-repo.ts";
import { MemoryBackupRepo } from "./memory/memory-repo.ts";

async function bareRepo(): Promise<LocalGitRepo> {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-git-"));
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", dir]);
  return new LocalGitRepo(dir);
}

describeBackupRepo("local git", bareRepo);
describeBackupRepo("memory", async () => new MemoryBackupRepo());
