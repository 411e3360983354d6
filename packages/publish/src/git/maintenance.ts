import { git } from "./git.ts";

/** What a repository's objects take on disk (`git count-objects -v`), in bytes. */
export interface ObjectSpace {
  readonly looseBytes: number;
  readonly packBytes: number;
  readonly looseObjects: number;
  readonly packedObjects: number;
  readonly packs: number;
}

export async function objectSpace(dir: string): Promise<ObjectSpace> {
  const out = (await git(dir, ["count-objects", "-v"])).stdout.toString("utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  return {
    looseBytes: field("size") * 1024,
    packBytes: field("size-pack") * 1024,
    looseObjects: field("count"),
    packedObjects: field("in-pack"),
    packs: field("packs"),
  };
}

/**
 * Frees what a rotated branch no longer reaches. The branch's and HEAD's reflog entries for the
 * squashed commits go (other reflogs, stashes included, are left alone), then unreachable loose
 * objects. A backup of 100 objects or more was written as a pack (git fast-import keeps such
 * imports packed), and `git prune` never opens a pack: when there are packs, they are written
 * again without the unreachable objects, reusing what is stored and searching no deltas
 * (`pack.window=0`), so the cost is about copying the repository rather than `git gc`'s.
 */
export async function dropUnreachable(dir: string, branch: string): Promise<void> {
  for (const ref of [`refs/heads/${branch}`, "HEAD"]) {
    // A bare repository, or one git made without logging, has no reflog to expire.
    if ((await git(dir, ["reflog", "exists", ref], { allowFail: true })).code !== 0) continue;
    await git(dir, ["reflog", "expire", "--expire-unreachable=now", ref]);
  }
  await git(dir, ["prune", "--expire=now"]);
  if ((await objectSpace(dir)).packs === 0) return;
  const config = ["-c", "pack.window=0", "-c", "pack.compression=1"];
  await git(dir, [...config, "repack", "-a", "-d", "-q"]);
}

/** `git gc --prune=now`: packs everything again, dropping unreachable packed objects too. Slow. */
export async function repack(dir: string): Promise<void> {
  await git(dir, ["gc", "--prune=now", "--quiet"]);
}
