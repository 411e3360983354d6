import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactStore } from "@tablesnap/artifacts";
import type { FileEntry } from "@tablesnap/core";
import { GitError } from "../errors.ts";
import { sendBlob, writeToChild } from "./git.ts";
import { fastImportConfig } from "./local-repo.ts";

/** One `git fast-import` process taking blobs one after the other; it writes one pack. */
export class FastImportLane {
  readonly #artifacts: ArtifactStore;
  readonly #marks: string;
  readonly #child: ReturnType<typeof spawn>;
  readonly #closed: Promise<number>;
  readonly #byMark = new Map<number, string>();
  #queue: Promise<void> = Promise.resolve();
  #failure: unknown;
  #stderr = "";
  /** Bytes queued and not yet sent, to balance lanes. */
  pending = 0;

  /** `level` 0 stores blobs without compressing them (for ciphertext). */
  constructor(gitDir: string, artifacts: ArtifactStore, level: 0 | 1 = 1) {
    this.#artifacts = artifacts;
    this.#marks = join(gitDir, `tablesnap-marks-${randomBytes(4).toString("hex")}`);
    this.#child = spawn(
      "git",
      [
        ...fastImportConfig(level),
        // Keep the pack: below 100 objects fast-import would explode it into loose objects,
        // inflating and compressing every blob again (twice the CPU on a 1 GB table).
        ...["-c", "fastimport.unpackLimit=0"],
        `--git-dir=${gitDir}`,
        "fast-import",
        "--quiet",
        "--done",
        `--export-marks=${this.#marks}`,
      ],
      { stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } },
    );
    this.#child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      this.#stderr += d;
    });
    this.#child.stdin?.on("error", (e) => {
      this.#failure ??= e;
    });
    this.#closed = new Promise((resolve) => {
      this.#child.on("error", (e) => {
        this.#failure ??= e;
        resolve(-1);
      });
      this.#child.on("close", (code) => resolve(code ?? -1));
    });
  }

  add(entry: FileEntry): void {
    const mark = this.#byMark.size + 1;
    this.#byMark.set(mark, entry.path);
    this.pending += entry.bytes;
    this.#queue = this.#queue
      .then(() => this.#send(mark, entry))
      .catch((e: unknown) => {
        this.#failure ??= e;
      })
      .finally(() => {
        this.pending -= entry.bytes;
      });
  }

  /** Ends the stream and returns path → blob SHA of every file it took. */
  async finish(): Promise<Map<string, string>> {
    await this.#queue;
    if (!this.#failure) await this.#write("done\n").catch((e: unknown) => (this.#failure ??= e));
    this.#child.stdin?.end();
    const code = await this.#closed;
    try {
      if (this.#failure) throw this.#failure;
      if (code !== 0)
        throw new GitError(
          `git fast-import failed: ${this.#stderr.trim().split("\n").slice(-3).join(" ")}`,
        );
      const out = new Map<string, string>();
      if (this.#byMark.size === 0) return out;
      for (const line of (await readFile(this.#marks, "utf8")).split("\n")) {
        const m = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
        const path = m ? this.#byMark.get(Number(m[1])) : undefined;
        if (m?.[2] && path) out.set(path, m[2]);
      }
      if (out.size < this.#byMark.size)
        throw new GitError("git fast-import did not report every blob");
      return out;
    } finally {
      await rm(this.#marks, { force: true });
    }
  }

  async abort(): Promise<void> {
    this.#failure ??= new Error("aborted");
    this.#child.kill("SIGTERM");
    await this.#closed;
    await rm(this.#marks, { force: true });
  }

  async #send(mark: number, entry: FileEntry): Promise<void> {
    if (this.#failure) return;
    await sendBlob((d) => this.#write(d), this.#artifacts, mark, entry.path, entry.bytes);
  }

  #write(data: string | Uint8Array): Promise<void> {
    const stdin = this.#child.stdin;
    if (!stdin) return Promise.reject(new GitError("git fast-import has no stdin"));
    return writeToChild(stdin, data);
  }
}
