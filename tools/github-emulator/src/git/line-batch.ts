import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { GitCommandError } from "../errors.ts";
import { gitEnv } from "./run.ts";

interface Pending {
  readonly resolve: (line: string) => void;
  readonly reject: (e: Error) => void;
}

/**
 * A long-lived git process that answers each request with one line of output, in order:
 * `git mktree -z --batch` and `git hash-object -w --stdin-paths`. Saves a process per object.
 * If git dies (it exits on input it rejects), waiting requests are tried once more on a new
 * process, so one bad request does not fail the others.
 */
export class LineBatch {
  readonly #gitDir: string;
  readonly #args: readonly string[];
  #child: ChildProcessWithoutNullStreams | undefined;
  #pending: Pending[] = [];
  #out = "";

  constructor(gitDir: string, args: readonly string[]) {
    this.#gitDir = gitDir;
    this.#args = args;
  }

  async request(input: string): Promise<string> {
    try {
      return await this.#send(input);
    } catch {
      return this.#send(input);
    }
  }

  close(): void {
    const child = this.#child;
    this.#child = undefined;
    child?.stdin.end();
    child?.kill();
  }

  #send(input: string): Promise<string> {
    const child = this.#start();
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      child.stdin.write(input);
    });
  }

  #start(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    const child = spawn("git", this.#args, {
      cwd: this.#gitDir,
      env: gitEnv({ GIT_DIR: this.#gitDir }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      this.#out += d;
      for (let nl = this.#out.indexOf("\n"); nl >= 0; nl = this.#out.indexOf("\n")) {
        const line = this.#out.slice(0, nl);
        this.#out = this.#out.slice(nl + 1);
        this.#pending.shift()?.resolve(line);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.stdin.on("error", () => {}); // the close handler reports the failure
    const fail = (why: string) => {
      if (this.#child === child) this.#child = undefined;
      this.#out = "";
      const waiting = this.#pending;
      this.#pending = [];
      const last = stderr.trim().split("\n").at(-1) || why;
      for (const p of waiting) p.reject(new GitCommandError(`git ${this.#args[0]}: ${last}`));
    };
    child.on("error", (e) => fail(e.message));
    child.on("close", () => fail("stopped"));
    this.#child = child;
    return child;
  }
}
