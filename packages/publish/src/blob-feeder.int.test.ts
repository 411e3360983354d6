import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsArtifactStore } from "@tablesnap/artifacts";
import type { FileEntry } from "@tablesnap/core";
import { describe, expect, it } from "vitest";
import { BlobFeeder } from "./git/blob-feeder.ts";

async function setup() {
  const root = await mkdtemp(join(tmpdir(), "tsnap-feed-"));
  const gitDir = join(root, "repo.git");
  execFileSync("git", ["init", "-q", "--bare", gitDir]);
  const store = new FsArtifactStore(join(root, "staging"));
  const put = async (path: string, text: string): Promise<FileEntry> => {
    const w = await store.openWriter(path);
    await w.write(new TextEncoder().encode(text));
    return w.close();
  };
  const hashObject = async (text: string) => {
    const f = join(root, "tmp-object");
    await writeFile(f, text);
    return execFileSync("git", ["hash-object", f]).toString().trim();
  };
  return { root, gitDir, store, put, hashObject };
}

describe("BlobFeeder", () => {
  it("stores every offered file as the blob git would make, across lanes, and skips unchanged ones", async () => {
    const { gitDir, store, put, hashObject } = await setup();
    const unchanged = "same as last time\n";
    const previous = new Map([
      [
        "a/unchanged.sql",
        {
          blob: await hashObject(unchanged),
          entry: {
            path: "a/unchanged.sql",
            sha256: createHash("sha256").update(unchanged).digest("hex"),
            bytes: unchanged.length,
          },
        },
      ],
    ]);
    const feeder = new BlobFeeder(gitDir, store, previous, 2);
    const texts: Record<string, string> = { "a/unchanged.sql": unchanged };
    for (let i = 0; i < 20; i++)
      texts[`t${i}/data.sql`] = `${"row\n".repeat(i * 1000)}table ${i}\n`;
    for (const [path, text] of Object.entries(texts)) feeder.offer(await put(path, text));
    const written = await feeder.finish();
    expect([...written.keys()].sort()).toEqual(Object.keys(texts).sort());
    for (const [path, text] of Object.entries(texts)) {
      expect({ path, sha: written.get(path) }).toEqual({ path, sha: await hashObject(text) });
    }
    // The unchanged file was not sent: its blob is only referenced, not in this repository.
    const unchangedBlob = previous.get("a/unchanged.sql")?.blob ?? "";
    expect(() =>
      execFileSync("git", ["--git-dir", gitDir, "cat-file", "-e", unchangedBlob], {
        stdio: "ignore",
      }),
    ).toThrow();
    expect(
      execFileSync("git", ["--git-dir", gitDir, "cat-file", "-t", written.get("t5/data.sql") ?? ""])
        .toString()
        .trim(),
    ).toBe("blob");
    execFileSync("git", ["--git-dir", gitDir, "fsck", "--strict", "--no-progress"]);
  }, 30_000);

  it("fails, never hangs, when git cannot take the blobs", async () => {
    const { root, store, put } = await setup();
    // Not a repository: every fast-import exits at once.
    const feeder = new BlobFeeder(join(root, "staging"), store, new Map(), 2);
    for (let i = 0; i < 4; i++) feeder.offer(await put(`t${i}/data.sql`, "x".repeat(4 << 20)));
    await expect(feeder.finish()).rejects.toThrow(/git|fast-import/);
  }, 20_000);

  it("leaves no marks files behind when aborted", async () => {
    const { gitDir, store, put } = await setup();
    const feeder = new BlobFeeder(gitDir, store, new Map(), 2);
    feeder.offer(await put("x/data.sql", "x\n".repeat(100_000)));
    await feeder.abort();
    expect((await readdir(gitDir)).filter((f) => f.startsWith("tablesnap-marks"))).toEqual([]);
  });
});
