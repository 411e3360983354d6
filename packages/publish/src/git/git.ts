import { spawn } from "node:child_process";
import { GitError } from "../errors.ts";

export interface GitRun {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly code: number;
}

/** Runs git in `cwd` with a fixed, predictable environment (no pager, no prompts, C locale). */
export function git(
  cwd: string,
  args: readonly string[],
  o: { input?: string | Uint8Array; allowFail?: boolean } = {},
): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd,
      env: { ...process.env, LC_ALL: "C", GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat" },
      stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout?.on("data", (d: Buffer) => out.push(d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", (e) => reject(new GitError(`cannot run git: ${e.message}`, { cause: e })));
    child.on("close", (code) => {
      const r = { stdout: Buffer.concat(out), stderr: err, code: code ?? -1 };
      if (r.code !== 0 && !o.allowFail) {
        reject(
          new GitError(
            `git ${args[0]} failed: ${err.trim().split("\n").at(-1) ?? `exit ${r.code}`}`,
          ),
        );
      } else resolve(r);
    });
    if (o.input !== undefined) {
      child.stdin?.on("error", () => {}); // git may exit before reading; its exit code tells
      child.stdin?.end(o.input);
    }
  });
}

export async function gitText(cwd: string, args: readonly string[]): Promise<string> {
  return (await git(cwd, args)).stdout.toString("utf8").trim();
}
