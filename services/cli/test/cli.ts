import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
export const execFileP = promisify(execFile);

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI in a child process with this Node. */
export function tablesnap(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  return tablesnapMeasured(args, env);
}

/**
 * Runs the CLI as `tablesnap` does; `peakKiB` is the child's highest resident set (VmHWM), read
 * from /proc every 50 ms and once more as it exits.
 */
export function tablesnapMeasured(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun & { peakKiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let peakKiB = 0;
    const sample = () => {
      try {
        const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        // gone
      }
    };
    const timer = setInterval(sample, 50);
    child.on("exit", () => {
      sample();
      clearInterval(timer);
    });
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, peakKiB }));
  });
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execFileP("git", args, { cwd, maxBuffer: 64 << 20 })).stdout.trim();
}
