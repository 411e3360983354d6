import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";

/** How often /proc is sampled while a measured process runs. */
const POLL_MS = 50;

export interface RunOptions {
  readonly cwd?: string;
  /** The process is killed (and the run fails) after this long. */
  readonly timeoutMs: number;
  /** Also sample the direct children (pg_dump, git, …) to see when each one ran. */
  readonly watchChildren?: boolean;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A direct child seen while sampling, by command; times in ms from the spawn. */
export interface ChildSpan {
  readonly command: string;
  readonly count: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly peakKb: number;
}

export interface RunResult {
  readonly ms: number;
  /** Highest VmHWM (peak resident set) of the spawned process itself, in KiB. */
  readonly peakKb: number;
  readonly code: number;
  readonly stdout: string;
  readonly children: readonly ChildSpan[];
}

/**
 * Runs a command and times it from spawn to exit (`process.hrtime.bigint()`), sampling the
 * process's VmHWM every ~50 ms. Rejects when the command fails, with the end of its stderr.
 */
export async function measure(
  cmd: string,
  args: readonly string[],
  o: RunOptions,
): Promise<RunResult> {
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, {
    cwd: o.cwd,
    env: o.env ? { ...process.env, ...o.env } : process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: Buffer[] = [];
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => stdout.push(c));
  child.stderr.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString("utf8")).slice(-4000);
  });
  const pid = child.pid;
  let peakKb = 0;
  const spans = new Map<string, { pids: Set<number>; first: number; last: number; peak: number }>();
  let sampling = false;
  const sample = async (): Promise<void> => {
    if (sampling || pid === undefined) return;
    sampling = true;
    try {
      peakKb = Math.max(peakKb, (await readHwmKb(pid)) ?? 0);
      if (o.watchChildren) {
        const at = elapsedMs(started);
        for (const c of await childrenOf(pid)) {
          const s = spans.get(c.command) ?? { pids: new Set(), first: at, last: at, peak: 0 };
          s.pids.add(c.pid);
          s.last = at;
          s.peak = Math.max(s.peak, (await readHwmKb(c.pid)) ?? 0);
          spans.set(c.command, s);
        }
      }
    } finally {
      sampling = false;
    }
  };
  const timer = setInterval(() => void sample(), POLL_MS);
  const killer = setTimeout(() => child.kill("SIGTERM"), o.timeoutMs);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    const ms = elapsedMs(started);
    if (code !== 0) {
      throw new Error(`${cmd} ${args.join(" ")} exited with ${code}:\n${stderr.trim()}`);
    }
    const children = [...spans].map(([command, s]) => ({
      command,
      count: s.pids.size,
      firstSeenMs: s.first,
      lastSeenMs: s.last,
      peakKb: s.peak,
    }));
    return { ms, peakKb, code, stdout: Buffer.concat(stdout).toString("utf8"), children };
  } finally {
    clearInterval(timer);
    clearTimeout(killer);
  }
}

function elapsedMs(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

/** VmHWM of a process in KiB, or undefined once it is gone. */
async function readHwmKb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m?.[1] ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Direct children of `pid`, found by scanning /proc/<n>/stat (no /proc/…/children here). */
async function childrenOf(pid: number): Promise<{ pid: number; command: string }[]> {
  const out: { pid: number; command: string }[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      const argv = (await readFile(`/proc/${name}/cmdline`, "utf8")).split("\0");
      const command = label(argv) || stat.slice(stat.indexOf("(") + 1, close);
      out.push({ pid: Number(name), command });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/**
 * A short name for a command line: the program and its sub-command, e.g. `git fast-import`,
 * `pg_dump --format=custom` (the first argument when there is no sub-command).
 */
function label(argv: readonly string[]): string {
  // Debian's pg_wrapper is a perl script that execs the real tool
  const args = argv[0]?.endsWith("perl") ? argv.slice(1) : argv;
  const [program = "", ...rest] = args.filter((a) => a !== "");
  let sub = rest[0] ?? "";
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? "";
    if (a === "-c" || a === "-C") i++;
    else if (!a.startsWith("-")) {
      sub = a;
      break;
    }
  }
  return `${program.replace(/^.*\//, "")} ${sub}`.trim();
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  const hi = s[mid] ?? Number.NaN;
  return s.length % 2 === 1 ? hi : ((s[mid - 1] ?? Number.NaN) + hi) / 2;
}
