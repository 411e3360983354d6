import { spawn } from "node:child_process";
import { GitCommandError } from "../errors.ts";

export interface GitResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly code: number;
}

export interface GitRunOptions {
  readonly input?: string | Uint8Array;
  /** Extra environment (author and committer identity). */
  readonly env?: Readonly<Record<string, string>>;
  /** Resolve with the exit code instead of rejecting when git fails. */
  readonly allowFail?: boolean;
}

/**
 * The environment every git child gets: no variable of the parent's git (a hook's GIT_DIR would
 * redirect us), no user or system config, no prompts, C locale.
 */
export function gitEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GIT_")) env[k] = v;
  return {
    ...env,
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    ...extra,
  };
}

/** Runs `git args` inside the bare repository `gitDir`. */
export function git(
  gitDir: string,
  args: readonly string[],
  o: GitRunOptions = {},
): Promise<GitResult> {
  return runGit(gitDir, args, { ...o, env: { GIT_DIR: gitDir, ...o.env } });
}

/** At most this many short-lived git processes run at once (a big tree edit spawns many). */
const MAX_PROCESSES = 16;
let running = 0;
const queue: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  // A finished run hands its slot straight to the next waiter, so `running` never overshoots.
  if (running >= MAX_PROCESSES) await new Promise<void>((resolve) => queue.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = queue.shift();
    if (next) next();
    else running--;
  }
}

/** Runs `git args` in `cwd` (for commands that take no repository, like `init`). */
export function runGit(
  cwd: string,
  args: readonly string[],
  o: GitRunOptions = {},
): Promise<GitResult> {
  return slot(() => spawnGit(cwd, args, o));
}

function spawnGit(cwd: string, args: readonly string[], o: GitRunOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd,
      env: gitEnv(o.env),
      stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout?.on("data", (d: Buffer) => out.push(d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", (e) =>
      reject(new GitCommandError(`cannot run git: ${e.message}`, { cause: e })),
    );
    child.on("close", (code) => {
      const r = { stdout: Buffer.concat(out), stderr: err, code: code ?? -1 };
      if (r.code !== 0 && !o.allowFail) {
        const last = err.trim().split("\n").at(-1) ?? `exit ${r.code}`;
        reject(new GitCommandError(`git ${args[0]} failed: ${last}`, { context: { cwd } }));
      } else resolve(r);
    });
    if (o.input !== undefined) {
      child.stdin?.on("error", () => {}); // git may exit before reading; its exit code tells
      child.stdin?.end(o.input);
    }
  });
}

export async function gitText(gitDir: string, args: readonly string[]): Promise<string> {
  return (await git(gitDir, args)).stdout.toString("utf8").trim();
}
