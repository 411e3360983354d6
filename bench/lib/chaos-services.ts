/**
 * The five tablesnap services, each its own process (`node services/<name>/src/main.ts`), as a
 * deployment would run them: kill -9 on demand, started again on demand, and a process that exits
 * by itself (a failed start while NATS or the state database is away, say) is started again
 * after a short back-off, like a restarting container. Every output line goes to `sink`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export const SERVICE_NAMES = [
  "ingress",
  "coordinator",
  "dump-worker",
  "publisher",
  "status-api",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The line each service logs once it is up (as services/cli/test/e2e/harness.ts waits for). */
const UP_MARK: Record<ServiceName, string> = {
  ingress: '"msg":"listening"',
  "status-api": '"msg":"listening"',
  coordinator: '"msg":"coordinator started"',
  "dump-worker": '"msg":"starting"',
  publisher: '"msg":"starting"',
};

export class ServiceTimeoutError extends Error {
  override readonly name = "ServiceTimeoutError";
}

interface Instance {
  readonly n: number;
  readonly child: ChildProcess;
  readonly startedAt: number;
  up: boolean;
  killedByUs: boolean;
  readonly exited: Promise<void>;
  readonly tail: string[];
}

/** An exit nobody asked for. */
export interface UnexpectedExit {
  readonly service: ServiceName;
  readonly instance: number;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at_s: number;
  readonly last_lines: readonly string[];
}

const zero = (): Record<ServiceName, number> => ({
  ingress: 0,
  coordinator: 0,
  "dump-worker": 0,
  publisher: 0,
  "status-api": 0,
});

export class Services {
  readonly #root: string;
  readonly #env: Record<string, string>;
  readonly #ports: { ingress: number; status: number };
  readonly #sink: (line: string) => void;
  readonly #t0: number;
  readonly #current = new Map<ServiceName, Instance>();
  readonly #restartTimers = new Map<ServiceName, NodeJS.Timeout>();
  #closing = false;
  #n = 0;
  readonly kills = zero();
  readonly starts = zero();
  readonly unexpected: UnexpectedExit[] = [];
  /** Every kill -9, with its wall time, to line up with the services' own timestamps. */
  readonly killLog: {
    at: string;
    service: ServiceName;
    instance: number;
    pid: number | undefined;
  }[] = [];

  constructor(o: {
    root: string;
    env: Record<string, string>;
    ports: { ingress: number; status: number };
    sink: (line: string) => void;
    t0: number;
  }) {
    this.#root = o.root;
    this.#env = o.env;
    this.#ports = o.ports;
    this.#sink = o.sink;
    this.#t0 = o.t0;
  }

  #stamp(): string {
    return `+${((Date.now() - this.#t0) / 1000).toFixed(3)}s`;
  }

  /** Starts `name` unless a process of it is alive; does not wait for it to be up. */
  spawn(name: ServiceName): void {
    if (this.#closing) return;
    const timer = this.#restartTimers.get(name);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#restartTimers.delete(name);
    }
    const old = this.#current.get(name);
    if (old && old.child.exitCode === null && old.child.signalCode === null) return;
    const port =
      name === "ingress" ? this.#ports.ingress : name === "status-api" ? this.#ports.status : null;
    const child = spawn(process.execPath, [join(this.#root, "services", name, "src", "main.ts")], {
      cwd: this.#root,
      env: { ...this.#env, ...(port === null ? {} : { PORT: String(port) }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const n = ++this.#n;
    this.starts[name]++;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const inst: Instance = {
      n,
      child,
      startedAt: Date.now(),
      up: false,
      killedByUs: false,
      exited,
      tail: [],
    };
    this.#current.set(name, inst);
    const tag = `[${name}#${n} ${child.pid ?? "?"}]`;
    this.#sink(`${this.#stamp()} [chaos] start ${name}#${n} pid ${child.pid ?? "?"}`);
    let partial = "";
    const onData = (d: string) => {
      const lines = (partial + d).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") continue;
        this.#sink(`${this.#stamp()} ${tag} ${line}`);
        inst.tail.push(line);
        if (inst.tail.length > 20) inst.tail.shift();
        if (!inst.up && line.includes(UP_MARK[name])) inst.up = true;
      }
    };
    child.stdout?.setEncoding("utf8").on("data", onData);
    child.stderr?.setEncoding("utf8").on("data", onData);
    child.once("error", (e) => this.#sink(`${this.#stamp()} ${tag} spawn error: ${e.message}`));
    child.once("exit", (code, signal) => {
      if (partial !== "") this.#sink(`${this.#stamp()} ${tag} ${partial}`);
      this.#sink(`${this.#stamp()} [chaos] ${name}#${n} exited code ${code} signal ${signal}`);
      if (inst.killedByUs || this.#closing) return;
      this.unexpected.push({
        service: name,
        instance: n,
        pid: child.pid,
        code,
        signal,
        at_s: Math.round((Date.now() - this.#t0) / 100) / 10,
        last_lines: [...inst.tail.slice(-5)],
      });
      // A container runtime would start it again: do so after a short back-off.
      if (this.#current.get(name) === inst) {
        this.#restartTimers.set(
          name,
          setTimeout(() => {
            this.#restartTimers.delete(name);
            this.spawn(name);
          }, 1_000),
        );
      }
    });
  }

  /** The live process of `name` has logged its start-up line. */
  isUp(name: ServiceName): boolean {
    const i = this.#current.get(name);
    return i?.up === true && i.child.exitCode === null && i.child.signalCode === null;
  }

  /** A process of `name` is alive (up or still starting). */
  isAlive(name: ServiceName): boolean {
    const i = this.#current.get(name);
    return i !== undefined && i.child.exitCode === null && i.child.signalCode === null;
  }

  pid(name: ServiceName): number | undefined {
    return this.#current.get(name)?.child.pid;
  }

  /** Waits until `name` is up; starts it when nothing of it runs or is about to. */
  async waitUp(name: ServiceName, ms: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.isUp(name)) {
      if (signal?.aborted) throw new ServiceTimeoutError(`interrupted waiting for ${name}`);
      if (!this.isAlive(name) && !this.#restartTimers.has(name)) this.spawn(name);
      if (Date.now() > deadline) {
        const tail = this.#current.get(name)?.tail.join("\n") ?? "";
        throw new ServiceTimeoutError(`${name} not up within ${ms} ms; its last lines:\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** kill -9 of the live process of `name`, waiting for its exit; false when none ran. */
  async kill(name: ServiceName, counted = true): Promise<boolean> {
    const i = this.#current.get(name);
    if (i === undefined || i.child.exitCode !== null || i.child.signalCode !== null) return false;
    i.killedByUs = true;
    if (counted) {
      this.kills[name]++;
      this.killLog.push({
        at: new Date().toISOString(),
        service: name,
        instance: i.n,
        pid: i.child.pid,
      });
    }
    this.#sink(
      `${this.#stamp()} [chaos] kill -9 ${name}#${i.n} pid ${i.child.pid ?? "?"}${counted ? "" : " (cleanup)"}`,
    );
    i.child.kill("SIGKILL");
    await Promise.race([
      i.exited,
      new Promise((r) => setTimeout(r, 10_000)).then(() => {
        throw new ServiceTimeoutError(`${name} pid ${i.child.pid} did not exit after SIGKILL`);
      }),
    ]);
    return true;
  }

  /** Kills every process and starts nothing more. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const t of this.#restartTimers.values()) clearTimeout(t);
    this.#restartTimers.clear();
    await Promise.allSettled(SERVICE_NAMES.map((s) => this.kill(s, false)));
  }
}
