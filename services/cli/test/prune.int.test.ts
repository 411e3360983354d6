import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, tablesnap } from "./cli.ts";
import { type CliGitHub, cloneAndFsck, startCliGitHub, TOKEN } from "./github.ts";

interface PruneJson {
  kept: number;
  squashed: number | null;
  oldHead: string;
  newHead: string;
  historyBranch: string | null;
  space?: {
    before: { looseObjects: number; packedObjects: number };
    after: { looseObjects: number; packedObjects: number };
  };
}

/** History rotation: `tablesnap prune` on a repository on disk and on GitHub (the emulator). */
describe("tablesnap prune", () => {
  let db: ScratchDatabase;
  let dir: string;
  let h: CliGitHub;
  let round = 0;

  /** New rows, so every backup is a new commit with a new data blob. */
  const change = () =>
    db.sql.unsafe(
      `INSERT INTO events (body) SELECT md5(random()::text) || g FROM generate_series(1, 3000) g`,
    );

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_prune");
    await db.sql.unsafe(
      "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)",
    );
    dir = await mkdtemp(join(tmpdir(), "tsnap-prune-"));
    h = await startCliGitHub();
  });
  afterAll(async () => {
    await db?.drop();
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("squashes a local branch to the newest commits and frees what only older ones held", async () => {
    const repo = join(dir, `local-${++round}`);
    const blobs: string[] = [];
    for (let i = 0; i < 4; i++) {
      await change();
      const r = await tablesnap([
        ...["backup", "--database-url", db.url, "--repo", repo, "--quiet"],
        ...["--keep", "1", "--keep-days", "0", "--no-custom-dump"],
      ]);
      expect(r.code, r.stderr).toBe(0);
      const folder = await git(repo, "cat-file", "blob", "HEAD:backups/latest/latest");
      blobs.push(
        await git(repo, "rev-parse", `HEAD:backups/latest/${folder}/public/tables/events/data.sql`),
      );
    }
    // Packed, as a backup of 100 objects or more is (git fast-import keeps those packed), or as
    // after a git gc: what prune frees must come out of packs too, not only loose objects.
    await git(repo, "repack", "-a", "-d", "-q");
    expect(await git(repo, "count-objects", "-v")).toMatch(/^packs: 1$/m);
    const tree = await git(repo, "rev-parse", "HEAD^{tree}");
    const log = (range: string) =>
      git(repo, "log", "--format=%T %an %ae %ad %cn %ce %cd %s", "--date=raw", range);
    const keptBefore = await log("HEAD~2..HEAD");
    const keepTwo = ["prune", "--repo", repo, "--keep", "2", "--keep-days", "0"];
    const dry = await tablesnap([...keepTwo, "--dry-run"]);
    expect(dry.stderr).toContain("would keep 2 commit(s)");
    expect(await git(repo, "rev-list", "--count", "HEAD")).toBe("4");

    const r = await tablesnap([...keepTwo, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as PruneJson;
    expect(out).toMatchObject({ kept: 2, squashed: 2, historyBranch: null });
    expect(await git(repo, "rev-list", "--count", "HEAD")).toBe("2");
    expect(await git(repo, "rev-parse", "HEAD^{tree}")).toBe(tree);
    // Each kept commit: its tree, author, committer, dates and subject as they were.
    expect(await log("HEAD")).toBe(keptBefore);
    expect(await git(repo, "rev-list", "--max-parents=0", "HEAD")).toBe(
      await git(repo, "rev-parse", "HEAD~1"),
    );
    // One of the first two backups' data is gone from the repository; the other stays as the
    // oldest kept commit's one archive (--keep 1; which one, when two backups share a second, is
    // the archive retention's choice). The kept commits' own data stays.
    const has = (sha: string) =>
      git(repo, "cat-file", "-e", sha).then(
        () => true,
        () => false,
      );
    const reachable = new Set((await git(repo, "rev-list", "--objects", "HEAD")).split(/\s+/));
    const present = await Promise.all(blobs.map(has));
    expect(present).toEqual(blobs.map((b) => reachable.has(b)));
    expect(present.filter(Boolean)).toHaveLength(3);
    expect(present.slice(2)).toEqual([true, true]);
    const objects = (s?: { looseObjects: number; packedObjects: number }) =>
      (s?.looseObjects ?? 0) + (s?.packedObjects ?? 0);
    expect(objects(out.space?.after)).toBeLessThan(objects(out.space?.before));
    await git(repo, "fsck", "--strict", "--no-progress");
    expect((await tablesnap(["verify", "--repo", repo])).code).toBe(0);

    // The next backup builds on the new history; a second prune finds nothing to do.
    await change();
    const next = await tablesnap(["backup", "--database-url", db.url, "--repo", repo, "--quiet"]);
    expect(next.code, next.stderr).toBe(0);
    expect(await git(repo, "rev-list", "--count", "HEAD")).toBe("3");
    const again = await tablesnap(["prune", "--repo", repo, "--keep", "3", "--keep-days", "0"]);
    expect(again.stderr).toContain("nothing to prune: main holds 3 commit(s)");
  });

  it("refuses a missing repository, a git remote and bad numbers, and changes nothing", async () => {
    const missing = join(dir, "none");
    const r = await tablesnap(["prune", "--repo", missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no backup repository at ${missing}`);
    expect(await stat(missing).catch(() => null)).toBeNull();
    const remote = await tablesnap(["prune", "--git-remote", join(dir, "x.git")]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain(
      "prune a full clone and push it with git push --force-with-lease",
    );
    const bad = await tablesnap(["prune", "--repo", dir, "--keep", "two"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--keep must be a whole number (got two)");
  });

  it("rewrites a GitHub branch only with --force-push, and keeps the old history when asked", async () => {
    const repo = await h.createRepo("prune");
    for (let i = 0; i < 3; i++) {
      await change();
      const b = await h.backup(["--database-url", db.url, "--github", repo, "--quiet"]);
      expect(b.code, b.stderr).toBe(0);
    }
    const env = {
      GITHUB_TOKEN: TOKEN,
      TABLESNAP_GITHUB_WAIT_UNIT_MS: "5",
      TABLESNAP_GITHUB_WRITE_INTERVAL_MS: "0",
    };
    const args = ["prune", "--github", repo, "--github-api-url", h.gh.url, "--keep", "2"];
    const refused = await tablesnap([...args, "--keep-days", "0"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("give --force-push");

    const bare = h.bare(repo);
    const head = await git(bare, "rev-parse", "main");
    const tree = await git(bare, "rev-parse", "main^{tree}");
    h.gh.resetCounts();
    const r = await tablesnap(
      [...args, "--keep-days", "0", "--force-push", "--keep-history", "--json"],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as PruneJson;
    // 3 backups and the README commit: 2 kept, the rest squashed (GitHub does not count them).
    expect(out).toMatchObject({ kept: 2, squashed: null, oldHead: head });
    expect(h.gh.counts().writes).toBe(4); // 2 commits, the history branch, the forced update
    expect(await git(bare, "rev-list", "--count", "main")).toBe("2");
    expect(await git(bare, "rev-parse", "main^{tree}")).toBe(tree);
    expect(await git(bare, "rev-parse", `refs/heads/${out.historyBranch}`)).toBe(head);
    await cloneAndFsck(bare);

    await change();
    const next = await h.backup(["--database-url", db.url, "--github", repo, "--quiet"]);
    expect(next.code, next.stderr).toBe(0);
    expect(await git(bare, "rev-list", "--count", "main")).toBe("3");
  });
});
