import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { type Emulator, type EmulatorOptions, startEmulator } from "@tablesnap/github-emulator";
import {
  connectGitHub,
  GitHubBackupRepo,
  type GitHubClientOptions,
  type GitHubRepoOptions,
} from "../src/github/index.ts";

export const TOKEN = "ghp_tablesnapTestToken00000000000000000";

export interface GitHubHarness {
  readonly gh: Emulator;
  readonly dir: string;
  readonly octokit: Octokit;
  /** A new repository in the emulator: empty, or with commits on another branch only. */
  createRepo(name: string, o?: { unbornMain?: boolean }): Promise<string>;
  /** A GitHubBackupRepo on `owner/name` with waits shortened for tests. */
  open(
    fullName: string,
    o?: Partial<GitHubClientOptions> & GitHubRepoOptions,
  ): Promise<GitHubBackupRepo>;
  close(): Promise<void>;
}

/** Options that keep a test fast: no pause between writes, waits of 5 ms per second asked. */
export const FAST = { waitUnitMs: 5, minWriteIntervalMs: 0 } as const;

/** The GitHub API emulator on a free port with its own data folder. */
export async function startGitHub(options: Partial<EmulatorOptions> = {}): Promise<GitHubHarness> {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-gh-"));
  const gh = await startEmulator({
    dataDir: join(dir, "data"),
    ...options,
    tokens: [{ token: TOKEN }, ...(options.tokens ?? [])],
  });
  const octokit = new Octokit({ baseUrl: gh.url, auth: TOKEN });
  let n = 0;
  return {
    gh,
    dir,
    octokit,
    async createRepo(name, o = {}) {
      const unique = `${name}-${++n}`;
      await octokit.rest.repos.createInOrg({
        org: "acme",
        name: unique,
        auto_init: o.unbornMain === true,
      });
      if (o.unbornMain) {
        // Commits on `seed` only: `main` is unborn, yet the repository is not empty.
        const { data } = await octokit.rest.git.getRef({
          owner: "acme",
          repo: unique,
          ref: "heads/main",
        });
        await octokit.rest.git.createRef({
          owner: "acme",
          repo: unique,
          ref: "refs/heads/seed",
          sha: data.object.sha,
        });
        await octokit.rest.git.deleteRef({ owner: "acme", repo: unique, ref: "heads/main" });
      }
      return `acme/${unique}`;
    },
    async open(fullName, o = {}) {
      const client = await connectGitHub({
        auth: { kind: "token", token: TOKEN },
        repository: fullName,
        apiUrl: gh.url,
        ...FAST,
        ...o,
      });
      return new GitHubBackupRepo(client, o);
    },
    async close() {
      await gh.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `git clone` a bare repository and `git fsck --strict` it; returns the clone. */
export async function cloneAndFsck(bare: string): Promise<string> {
  const clone = join(await mkdtemp(join(tmpdir(), "tsnap-clone-")), "c");
  execFileSync("git", ["clone", "-q", bare, clone]);
  execFileSync("git", ["fsck", "--strict", "--no-progress"], { cwd: bare });
  execFileSync("git", ["fsck", "--strict", "--no-progress"], { cwd: clone });
  return clone;
}

export function gitOut(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 << 20 }).trim();
}
