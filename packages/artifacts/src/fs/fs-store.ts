import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { ArtifactNotFoundError } from "../errors.ts";
import { Digest } from "../hashing.ts";
import { checkArtifactPath, underPrefix } from "../path.ts";
import type { ArtifactStore, ArtifactWriter } from "../types.ts";

/** Artifacts as plain files below `root`; each file appears whole (written aside, then renamed). */
export class FsArtifactStore implements ArtifactStore {
  readonly location: string;
  readonly root: string;

  constructor(root: string) {
    this.root = root;
    this.location = root;
  }

  async openWriter(path: string): Promise<ArtifactWriter> {
    const target = join(this.root, checkArtifactPath(path));
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.tmp-${randomBytes(4).toString("hex")}`;
    const out = createWriteStream(temp, { highWaterMark: 1 << 20 });
    // The stream's errors are ours to report (on the next write or close), never unhandled.
    let failure: Error | undefined;
    out.on("error", (e) => {
      failure ??= e;
    });
    const digest = new Digest();
    return {
      async write(chunk) {
        if (failure) throw failure;
        digest.update(chunk);
        if (!out.write(chunk)) await drained(out);
      },
      async close() {
        if (failure) throw failure;
        await new Promise<void>((resolve, reject) =>
          out.end((e?: Error | null) => (e ? reject(e) : resolve())),
        );
        await rename(temp, target);
        return { path, bytes: digest.bytes, sha256: digest.hex() };
      },
      async abort() {
        out.destroy();
        await rm(temp, { force: true });
      },
    };
  }

  async *read(path: string): AsyncIterable<Uint8Array> {
    const file = join(this.root, checkArtifactPath(path));
    try {
      await stat(file);
    } catch (cause) {
      throw new ArtifactNotFoundError(path, { cause });
    }
    yield* createReadStream(file, { highWaterMark: 1 << 20 });
  }

  async list(prefix?: string): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.root, { recursive: true });
    } catch {
      return [];
    }
    const files: string[] = [];
    for (const e of entries) {
      const rel = relative(this.root, join(this.root, e)).split(sep).join("/");
      if (/\.tmp-[0-9a-f]{8}$/.test(rel)) continue;
      if (!underPrefix(rel, prefix)) continue;
      if ((await stat(join(this.root, e))).isFile()) files.push(rel);
    }
    return files.sort();
  }

  async remove(prefix: string): Promise<void> {
    await rm(join(this.root, checkArtifactPath(prefix)), { recursive: true, force: true });
  }

  async removeFiles(paths: readonly string[]): Promise<void> {
    for (const p of paths) await rm(join(this.root, checkArtifactPath(p)), { force: true });
  }
}

/** Waits for room in the stream's buffer; settles too when the stream fails or is destroyed. */
function drained(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e?: Error) => {
      out.off("drain", onDrain).off("error", onError).off("close", onClose);
      if (e) reject(e);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) => done(e);
    const onClose = () => done(new Error("artifact writer was aborted"));
    out.on("drain", onDrain).on("error", onError).on("close", onClose);
  });
}
