import { git } from "./git.ts";

/** What a repository's objects take on disk (`git count-objects -v`), in bytes. */
export interface ObjectSpace {
  readonly looseBytes: number;
  readonly packBytes: number;
  readonly looseObjects: number;
  readonly packs: number;
}

export async function objectSpace(dir: string): Promise<ObjectSpace> {
  const out = (await git(dir, ["count-objects", "-v"])).stdout.toString("utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  return {
    looseBytes: field("size") * 1024,
    packBytes: field("size-pack") * 1024,
    looseObjects: field("count"),
    packs: field("packs"),
  };
}

/**
 * Frees what no branch reaches any more: the reflogs (which keep every old head) are expired
 * and unreachable loose objects removed. Packs are left as they are: dropping objects from one
 * means rewriting it (`git gc`), which costs far more than it frees for a backup repository,
 * whose large blobs are loose (git fast-import unpacks small imports).
 */
export async function dropUnreachable(dir: string): Promise<void> {
  await git(dir, ["reflog", "expire", "--expire=now", "--all"]);
  await git(dir, ["prune", "--expire=now"]);
}

/** `git gc --prune=now`: packs everything again, dropping unreachable packed objects too. Slow. */
export async function repack(dir: string): Promise<void> {
  await git(dir, ["gc", "--prune=now", "--quiet"]);
}
