import { spawn } from "node:child_process";
import { databaseUrl } from "./db.ts";

/** How often pg_stat_activity is sampled. */
const POLL_MS = 20;

/**
 * How long the source database is held: from the first sample in which any backend of `db`
 * holds a snapshot (`backend_xmin` set: pg_dump's and tablesnap's transactions alike) to the
 * last such sample. Measured from outside, the same way for every tool, by one psql session on
 * `postgres` sampling pg_stat_activity every 20 ms (so ±20 ms).
 */
export class HeldWatch {
  readonly #child;
  readonly #timer: NodeJS.Timeout;
  #first: number | null = null;
  #last: number | null = null;
  #buffer = "";

  constructor(db: string) {
    this.#child = spawn("psql", ["-X", "-q", "-At", "-d", databaseUrl("postgres")], {
      stdio: ["pipe", "pipe", "ignore"],
    });
    this.#child.stdout.setEncoding("utf8").on("data", (d: string) => {
      this.#buffer += d;
      const lines = this.#buffer.split("\n");
      this.#buffer = lines.pop() ?? "";
      const now = performance.now();
      for (const line of lines) {
        if (Number(line) > 0) {
          this.#first ??= now;
          this.#last = now;
        }
      }
    });
    const query =
      "select count(*) from pg_stat_activity where datname = " +
      `'${db.replaceAll("'", "''")}' and backend_xmin is not null;\n`;
    this.#timer = setInterval(() => this.#child.stdin.write(query), POLL_MS);
  }

  #stopped: Promise<number> | undefined;

  /** Stops sampling (once); the time the source was held, in ms (0 when none was seen). */
  stop(): Promise<number> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<number> {
    clearInterval(this.#timer);
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.stdin.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    this.#child.kill();
    return this.#first === null || this.#last === null ? 0 : this.#last - this.#first;
  }
}
