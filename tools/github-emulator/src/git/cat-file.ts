import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { GitCommandError } from "../errors.ts";
import { gitEnv } from "./run.ts";

export type ObjectType = "blob" | "tree" | "commit" | "tag";

export interface GitObject {
  readonly sha: string;
  readonly type: ObjectType;
  readonly size: number;
  /** Empty for a `--batch-check` reader, which reads only type and size. */
  readonly data: Buffer;
}

interface Pending {
  readonly resolve: (o: GitObject | null) => void;
  readonly reject: (e: Error) => void;
}

/**
 * One long-lived `git cat-file --batch` for a repository: reads objects without a process per
 * read. Answers come back in request order, so a FIFO of waiters is enough. Objects written
 * later by other git commands are seen (loose objects are looked up on every read).
 */
export class CatFile {
  readonly #gitDir: string;
  readonly #check: boolean;
  #child: ChildProcessWithoutNullStreams | undefined;
  #pending: Pending[] = [];
  #chunks: Buffer[] = [];
  #length = 0;
  /** Header of the object whose body is still arriving. */
  #header: { sha: string; type: ObjectType; size: number; skip: number } | undefined;

  /** `check`: run `--batch-check` (type and size only, no object data). */
  constructor(gitDir: string, mode: "batch" | "check" = "batch") {
    this.#gitDir = gitDir;
    this.#check = mode === "check";
  }

  /** Reads a full 40-hex object id; `null` when the repository does not have it. */
  read(sha: string): Promise<GitObject | null> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return Promise.resolve(null);
    const child = this.#start();
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      child.stdin.write(`${sha}\n`);
    });
  }

  close(): void {
    const child = this.#child;
    this.#child = undefined;
    child?.stdin.end();
    child?.kill();
  }

  #start(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    const child = spawn("git", ["cat-file", this.#check ? "--batch-check" : "--batch"], {
      cwd: this.#gitDir,
      env: gitEnv({ GIT_DIR: this.#gitDir }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdout.on("data", (d: Buffer) => {
      this.#chunks.push(d);
      this.#length += d.length;
      this.#drain();
    });
    child.stderr.resume();
    child.stdin.on("error", () => {}); // the close handler below reports the failure
    const fail = (e: Error) => {
      if (this.#child === child) this.#child = undefined;
      this.#chunks = [];
      this.#length = 0;
      this.#header = undefined;
      const waiting = this.#pending;
      this.#pending = [];
      for (const p of waiting) p.reject(e);
    };
    child.on("error", (e) => fail(new GitCommandError(`cannot run git cat-file: ${e.message}`)));
    child.on("close", () => fail(new GitCommandError("git cat-file stopped")));
    this.#child = child;
    return child;
  }

  #buffer(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  #consume(n: number): void {
    const rest = this.#buffer().subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#length = rest.length;
  }

  #drain(): void {
    for (;;) {
      const waiter = this.#pending[0];
      if (!waiter) return;
      if (!this.#header) {
        const buf = this.#buffer();
        const nl = buf.indexOf(10);
        if (nl < 0) return;
        const line = buf.subarray(0, nl).toString("utf8");
        const [sha = "", type = "", size = ""] = line.split(" ");
        if (type === "missing" || size === "") {
          this.#consume(nl + 1);
          this.#pending.shift();
          waiter.resolve(null);
          continue;
        }
        this.#header = { sha, type: type as ObjectType, size: Number(size), skip: nl + 1 };
        if (this.#check) {
          this.#header = undefined;
          this.#consume(nl + 1);
          this.#pending.shift();
          waiter.resolve({
            sha,
            type: type as ObjectType,
            size: Number(size),
            data: Buffer.alloc(0),
          });
          continue;
        }
      }
      const h = this.#header;
      // Body and its trailing newline must be complete; concatenating only then keeps big
      // blobs linear instead of copying the buffer on every chunk.
      if (this.#length < h.skip + h.size + 1) return;
      const buf = this.#buffer();
      const data = Buffer.from(buf.subarray(h.skip, h.skip + h.size));
      this.#header = undefined;
      this.#consume(h.skip + h.size + 1);
      this.#pending.shift();
      waiter.resolve({ sha: h.sha, type: h.type, size: h.size, data });
    }
  }
}
