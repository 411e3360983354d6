import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Octokit } from "@octokit/rest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../src/index.ts";
import { documentsStatus, schemaProblems, templateOf } from "./openapi.ts";

export const TOKEN = "ghp_emulatorTestTokenWithAllAccess000000";

/** Operation (`GET /repos/{owner}/{repo}`) and status of every answer checked against the spec. */
export const checkedAnswers = new Set<string>();

type OctokitOptions = NonNullable<ConstructorParameters<typeof Octokit>[0]>;

/**
 * An Octokit whose every answer, success or error, is validated against the schema GitHub's
 * OpenAPI description gives for that operation and status; a mismatch fails the call.
 */
export function checkedOctokit(baseUrl: string, options: OctokitOptions = {}): Octokit {
  const octokit = new Octokit({
    baseUrl,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    ...options,
  });
  octokit.hook.wrap("request", async (request, opts) => {
    const check = (status: number, body: unknown) => {
      const path = templateOf(opts.method, opts.url);
      const key = `${opts.method} ${path}`;
      const problems = schemaProblems(opts.method, path, status, body);
      if (problems.length > 0)
        throw new Error(`${key} ${status} does not match GitHub's schema:\n${problems.join("\n")}`);
      checkedAnswers.add(
        `${key} ${status}${documentsStatus(opts.method, path, status) ? "" : " (basic-error)"}`,
      );
    };
    try {
      const response = await request(opts);
      check(response.status, response.data);
      return response;
    } catch (e) {
      const r = (e as { response?: { status: number; data: unknown } }).response;
      if (r) check(r.status, r.data);
      throw e;
    }
  });
  return octokit;
}

export interface Harness {
  readonly gh: Emulator;
  /** Octokit with `TOKEN` (access to everything). */
  readonly octokit: Octokit;
  readonly dir: string;
  octokitWith(auth: string | undefined): Octokit;
  close(): Promise<void>;
}

/** An emulator on a free port with its own temp data dir, and a checked Octokit for it. */
export async function startHarness(options: Partial<EmulatorOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "gh-emulator-"));
  const gh = await startEmulator({
    dataDir: join(dir, "data"),
    tokens: [{ token: TOKEN }],
    ...options,
  });
  const octokitWith = (auth: string | undefined) =>
    checkedOctokit(gh.url, auth === undefined ? {} : { auth });
  return {
    gh,
    dir,
    octokit: octokitWith(TOKEN),
    octokitWith,
    close: async () => {
      await gh.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const GIT_ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GIT_"))),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  LC_ALL: "C",
};

/** Runs plain git, as a user would. */
export function gitCli(cwd: string, args: readonly string[], input?: string): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, input, encoding: "utf8" }).trim();
}

/** `git clone` the bare repository and `git fsck --strict` both; returns the clone's path. */
export function cloneAndFsck(bare: string, into: string): string {
  const clone = join(into, `clone-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  gitCli(into, ["clone", "--quiet", bare, clone]);
  gitCli(bare, ["fsck", "--strict", "--no-progress"]);
  gitCli(clone, ["fsck", "--strict", "--no-progress"]);
  return clone;
}

export type WorkFile = { content: string; mode?: "100644" | "100755" } | { symlink: string };

/** The tree id plain git computes for these files (`git add -A && git write-tree`). */
export async function writeTreeWithGit(
  into: string,
  files: Record<string, WorkFile>,
): Promise<string> {
  const work = await mkdtemp(join(into, "work-"));
  gitCli(work, ["init", "--quiet"]);
  for (const [path, f] of Object.entries(files)) {
    const full = join(work, path);
    await mkdir(dirname(full), { recursive: true });
    if ("symlink" in f) await symlink(f.symlink, full);
    else {
      await writeFile(full, f.content);
      if (f.mode === "100755") await chmod(full, 0o755);
    }
  }
  gitCli(work, ["add", "-A"]);
  return gitCli(work, ["write-tree"]);
}

export const b64 = (text: string): string => Buffer.from(text).toString("base64");
