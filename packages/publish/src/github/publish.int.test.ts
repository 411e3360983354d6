import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneAndFsck, type GitHubHarness, gitOut, startGitHub } from "../../test/github.ts";
import { type Files, manifestOf, storeOf } from "../../test/manifests.ts";
import { LocalGitRepo } from "../git/local-repo.ts";
import { publishBackup } from "../publish.ts";
import type { BackupRepo } from "../types.ts";

const retention = { keep: 30, keepDays: 30 };
const now = new Date("2026-11-22T12:00:00Z");

/** Text files of a small backup, one binary archive, and a file large enough to go as a blob. */
function backupFiles(rows: string): Files {
  return {
    "database.sql": "-- database\n",
    "public/schema.sql": "CREATE SCHEMA public;\n",
    "public/public.dump": new Uint8Array([0x50, 0x47, 0x44, 0x4d, 0x50, 0, 1, 0xff, 0xfe]),
    "public/tables/users/schema.sql": "CREATE TABLE users (id int PRIMARY KEY);\n",
    "public/tables/users/data.sql": `COPY users (id) FROM stdin;\n${rows}\\.\n`,
    "public/tables/empty/data.sql": "",
    "public/tables/big/data.sql": `${"x".repeat(100)}\n`.repeat(7000),
  };
}

async function publish(
  repo: BackupRepo,
  id: string,
  time: string,
  files: Files,
  commitUnchanged = true,
) {
  return publishBackup({
    repo,
    branch: "main",
    manifest: manifestOf(id, time, files),
    artifacts: await storeOf(files),
    retention,
    now,
    commitUnchanged,
  });
}

describe("GitHubBackupRepo through publishBackup", () => {
  let h: GitHubHarness;
  beforeAll(async () => {
    h = await startGitHub();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("gives an empty repository a README, then the first backup; the tree is the local one", async () => {
    const name = await h.createRepo("first");
    const [owner, repoName] = name.split("/") as [string, string];
    const repo = await h.open(name);
    h.gh.resetCounts();
    const files = backupFiles("1\n2\n");
    const r = await publish(repo, "b1", "2026-11-22T10:00:00Z", files);
    const counts = h.gh.counts();
    expect(r.writes).toBe(counts.writes);
    // README, the 690 KiB file and the binary archive as blobs, one tree, commit, ref.
    expect(counts.byRoute).toMatchObject({
      "PUT /repos/{owner}/{repo}/contents/{path}": 1,
      "POST /repos/{owner}/{repo}/git/blobs": 2,
      "POST /repos/{owner}/{repo}/git/trees": 1,
      "POST /repos/{owner}/{repo}/git/commits": 1,
      "PATCH /repos/{owner}/{repo}/git/refs/{ref}": 1,
    });

    const bare = h.gh.repoPath(owner, repoName);
    const clone = await cloneAndFsck(bare);
    expect(gitOut(clone, "ls-tree", "--name-only", "HEAD")).toBe("README.md\nbackups");
    expect(gitOut(clone, "rev-list", "--count", "HEAD")).toBe("2");
    expect(gitOut(clone, "cat-file", "-p", "HEAD:README.md")).toMatch(/^# Database backups/);

    const local = await bareRepo();
    const l = await publish(local, "b1", "2026-11-22T10:00:00Z", files);
    expect(gitOut(clone, "rev-parse", "HEAD:backups")).toBe(
      gitOut(local.dir, "rev-parse", `${l.commit}:backups`),
    );
  });

  it("moves the first backup to the archive by tree SHA; an unchanged one costs at most 4 writes", async () => {
    const name = await h.createRepo("second", { unbornMain: true });
    const repo = await h.open(name);
    const first = await publish(repo, "b1", "2026-11-22T10:00:00Z", backupFiles("1\n"));
    const firstFolder = (await repo.listTree(first.commit, "backups/latest"))?.find((e) =>
      e.name.startsWith("latest_2"),
    );
    h.gh.resetCounts();
    const second = await publish(repo, "b2", "2026-11-22T11:00:00Z", backupFiles("1\n"));
    expect(second.archived).toEqual(["2026-11-22T10-00-00Z--acme-api--push--abc"]);
    const archive = await repo.listTree(second.commit, "backups/archive");
    expect(archive?.[0]?.sha).toBe(firstFolder?.sha);
    expect(h.gh.counts().writes).toBeLessThanOrEqual(4);
    expect(h.gh.counts().byRoute["POST /repos/{owner}/{repo}/git/blobs"]).toBeUndefined();
    expect(second.writes).toBe(h.gh.counts().writes);

    // One table changed: its file goes inline, nothing else is sent again.
    h.gh.resetCounts();
    const third = await publish(repo, "b3", "2026-11-22T12:00:00Z", backupFiles("1\n2\n"));
    expect(third.changed).toBe(true);
    expect(h.gh.counts().writes).toBe(3);
    // Publishing the same backup again changes nothing.
    h.gh.resetCounts();
    const again = await publish(repo, "b3", "2026-11-22T12:00:00Z", backupFiles("1\n2\n"));
    expect(again).toMatchObject({ changed: false, commit: third.commit, writes: 0 });
    // Nor does a new backup of the same content, unless a heartbeat commit is asked for.
    const files = backupFiles("1\n2\n");
    const same = await publish(repo, "b4", "2026-11-22T13:00:00Z", files, false);
    expect(same).toMatchObject({
      changed: false,
      unchanged: true,
      commit: third.commit,
      writes: 0,
    });
  });

  it("keeps every request under the size limit by splitting the tree into several requests", async () => {
    const name = await h.createRepo("batches", { unbornMain: true });
    const treeBodies: number[] = [];
    const watching: typeof fetch = (input, init) => {
      if (String(input).endsWith("/git/trees") && typeof init?.body === "string")
        treeBodies.push(Buffer.byteLength(init.body));
      return fetch(input, init);
    };
    const repo = await h.open(name, {
      requestMaxBytes: 20_000,
      inlineMaxBytes: 8_000,
      fetch: watching,
    });
    const files: Files = {};
    for (let i = 0; i < 60; i++)
      files[`public/tables/t${i}/data.sql`] = `${i}\t${"v".repeat(900)}\n`;
    files["public/tables/odd/data.sql"] = `${"é".repeat(5000)}\n`;
    // Small, but six times larger once JSON-escaped: sent as a blob, not inline.
    files["public/tables/ctrl/data.sql"] = "\u0001".repeat(7000);
    h.gh.resetCounts();
    const r = await publish(repo, "b1", "2026-11-22T10:00:00Z", files);
    const trees = h.gh.counts().byRoute["POST /repos/{owner}/{repo}/git/trees"] ?? 0;
    expect(trees).toBeGreaterThanOrEqual(3);
    expect(treeBodies).toHaveLength(trees);
    expect(Math.max(...treeBodies)).toBeLessThanOrEqual(20_000);
    // Above the inline size: the 10 KB file and the manifest; and the control characters.
    expect(h.gh.counts().byRoute["POST /repos/{owner}/{repo}/git/blobs"]).toBe(3);
    const local = await bareRepo();
    const l = await publish(local, "b1", "2026-11-22T10:00:00Z", files);
    expect(r.tree).toBe(l.tree);
  });
});

async function bareRepo(): Promise<LocalGitRepo> {
  const dir = await mkdtemp(join(tmpdir(), `tsnap-local-${randomBytes(3).toString("hex")}-`));
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", dir]);
  return new LocalGitRepo(dir);
}
