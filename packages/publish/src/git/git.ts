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

/**
 * Writes to a child's stdin, waiting for room when its buffer is full; fails (never hangs) when
 * the child stops reading: exits, crashes or closes its input.
 */
export function writeToChild(
  stdin: NodeJS.WritableStream & { destroyed?: boolean },
  data: string | Uint8Array,
): Promise<void> {
  if (stdin.destroyed) return Promise.reject(new GitError("git stopped reading its input"));
  if (stdin.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (e?: Error) => {
      stdin.off("drain", onDrain);
      stdin.off("error", onError);
      stdin.off("close", onClose);
      if (e) reject(e);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) =>
      done(new GitError(`git stopped reading its input: ${e.message}`, { cause: e }));
    const onClose = () => done(new GitError("git stopped reading its input"));
    stdin.on("drain", onDrain);
    stdin.on("error", onError);
    stdin.on("close", onClose);
  });
}

/**
 * Streams one artifact into fast-import as `blob` with `mark`; the size comes first, so a file
 * that does not have the size the manifest says is an error, never a corrupt stream.
 */
export async function sendBlob(
  write: (data: string | Uint8Array) => Promise<void>,
  artifacts: { read(path: string): AsyncIterable<Uint8Array> },
  mark: number,
  path: string,
  bytes: number,
): Promise<void> {
  await write(`blob\nmark :${mark}\ndata ${bytes}\n`);
  let seen = 0;
  for await (const chunk of artifacts.read(path)) {
    seen += chunk.length;
    if (seen > bytes) break;
    await write(chunk);
  }
  // A file larger than announced stops before its surplus reaches fast-import as commands.
  if (seen > bytes) {
    throw new GitError(`artifact ${path} is larger than the ${bytes} bytes the manifest says`);
  }
  if (seen < bytes)
    throw new GitError(`artifact ${path} has ${seen} bytes, the manifest says ${bytes}`);
  await write("\n");
}
