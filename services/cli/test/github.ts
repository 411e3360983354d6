import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, type EmulatorOptions, startEmulator } from "@tablesnap/github-emulator";
import { git, tablesnap } from "./cli.ts";

export const TOKEN = "ghp_cliTestTokenWithAccessToEverything00";

export interface CliGitHub {
  readonly gh: Emulator;
  readonly dir: string;
  /** An empty repository `acme/<name>-<n>`; returns its full name. */
  createRepo(name: string): Promise<string>;
  /** The bare repository behind `owner/name`. */
  bare(fullName: string): string;
  /** `tablesnap backup … --github` against the emulator, with waits shortened. */
  backup(args: readonly string[], env?: Record<string, string>): ReturnType<typeof tablesnap>;
  close(): Promise<void>;
}

export async function startCliGitHub(options: Partial<EmulatorOptions> = {}): Promise<CliGitHub> {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-cli-gh-"));
  const gh = await startEmulator({
    dataDir: join(dir, "data"),
    ...options,
    tokens: [{ token: TOKEN }, ...(options.tokens ?? [])],
  });
  let n = 0;
  return {
    gh,
    dir,
    async createRepo(name) {
      const unique = `${name}-${++n}`;
      const r = await fetch(`${gh.url}/orgs/acme/repos`, {
        method: "POST",
        headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: unique }),
      });
      if (r.status !== 201) throw new Error(`cannot create acme/${unique}: ${r.status}`);
      return `acme/${unique}`;
    },
    bare(fullName) {
      const [owner = "", repo = ""] = fullName.split("/");
      return gh.repoPath(owner, repo);
    },
    backup(args, env = {}) {
      return tablesnap(["backup", "--github-api-url", gh.url, ...args], {
        GITHUB_TOKEN: TOKEN,
        TABLESNAP_GITHUB_WAIT_UNIT_MS: "5",
        TABLESNAP_GITHUB_WRITE_INTERVAL_MS: "0",
        TABLESNAP_WORK_DIR: join(dir, "work"),
        ...env,
      });
    },
    async close() {
      await gh.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `git clone` a bare repository and `git fsck --strict` both; returns the clone's path. */
export async function cloneAndFsck(bare: string): Promise<string> {
  const clone = join(await mkdtemp(join(tmpdir(), "tsnap-cli-clone-")), "c");
  await git(tmpdir(), "clone", "-q", bare, clone);
  await git(bare, "fsck", "--strict", "--no-progress");
  await git(clone, "fsck", "--strict", "--no-progress");
  return clone;
}
