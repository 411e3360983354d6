import { MemoryArtifactStore } from "@tablesnap/artifacts";
import { describe, expect, it } from "vitest";
import { AUTHOR, storeWith } from "../test/contract.ts";
import { manifestOf } from "../test/manifests.ts";
import { BranchMovedError } from "./errors.ts";
import { MemoryBackupRepo } from "./memory/memory-repo.ts";
import { pruneArchives } from "./plan.ts";
import { publishBackup } from "./publish.ts";
import type { BackupRepo, CommitRequest, CommitResult } from "./types.ts";

const manifest = manifestOf;

const retention = { keep: 30, keepDays: 30 };
// Most tests here archive backups of the same content: they ask for the commit anyway
// (`commitUnchanged`); "writes nothing when nothing changed" tests the default.

/** The same repository, with `commit` replaced: to play a concurrent writer. */
function withCommit(
  repo: BackupRepo,
  commit: (req: CommitRequest) => Promise<CommitResult>,
): BackupRepo {
  return {
    head: (b) => repo.head(b),
    treeOf: (c) => repo.treeOf(c),
    listTree: (c, p) => repo.listTree(c, p),
    listFiles: (c, p) => repo.listFiles(c, p),
    readFile: (c, p) => repo.readFile(c, p),
    commit,
  };
}

describe("publishBackup", () => {
  it("puts the first backup in latest with a symlink, then archives it under its own name", async () => {
    const repo = new MemoryBackupRepo();
    const files = { "database.sql": "-- db\n" };
    const artifacts = await storeWith(files);
    const m1 = manifest(
      "b1",
      "2026-11-21T10:00:00.000Z",
      files,
      "1234567890abcdef1234567890abcdef12345678",
    );
    const r1 = await publishBackup({
      repo,
      branch: "main",
      manifest: m1,
      artifacts,
      retention,
      commitUnchanged: true,
      author: AUTHOR,
    });
    expect(r1.folder).toBe("backups/latest/latest_2026-11-21T10-00-00Z");
    expect(
      Buffer.from((await repo.readFile(r1.commit, "backups/latest/latest")) ?? []).toString(),
    ).toBe("latest_2026-11-21T10-00-00Z");
    const m2 = manifest("b2", "2026-11-22T10:00:00.000Z", files);
    const r2 = await publishBackup({
      repo,
      branch: "main",
      manifest: m2,
      artifacts,
      retention,
      commitUnchanged: true,
      author: AUTHOR,
    });
    expect(r2.archived).toEqual(["2026-11-21T10-00-00Z--acme-api--push--1234567"]);
    expect(r2.reusedFiles).toBe(1);
    expect((await repo.listTree(r2.commit, "backups/latest"))?.map((e) => e.name)).toEqual([
      "latest",
      "latest_2026-11-22T10-00-00Z",
    ]);
    const archive = await repo.listFiles(
      r2.commit,
      "backups/archive/2026-11-21T10-00-00Z--acme-api--push--1234567",
    );
    expect([...(archive?.keys() ?? [])].sort()).toEqual(["database.sql", "manifest.json"]);
  });

  it("writes nothing when nothing changed since the latest, and says which backup it matched", async () => {
    const repo = new MemoryBackupRepo();
    const files = { "database.sql": "-- db\n", "roles.sql": "CREATE ROLE app;\n" };
    const artifacts = await storeWith(files);
    const publish = (id: string, time: string, f = files, more = {}) =>
      publishBackup({
        ...{ repo, branch: "main", artifacts, retention, author: AUTHOR },
        manifest: manifestOf(id, time, f, id.padEnd(40, "0")),
        ...more,
      });
    const first = await publish("b1", "2026-11-21T10:00:00.000Z");
    const same = await publish("b2", "2026-11-22T10:00:00.000Z");
    expect(same).toMatchObject({ changed: false, unchanged: true, commit: first.commit });
    expect(same.folder).toBe(first.folder);
    expect(await repo.head("main")).toBe(first.commit);
    // Any file that differs, or a sequence value, is a change; so is asking for the commit.
    const other = { ...files, "roles.sql": "CREATE ROLE app2;\n" };
    const changedFile = await publish("b3", "2026-11-23T10:00:00.000Z", other);
    expect(changedFile).toMatchObject({ changed: true });
    const heartbeat = await publish("b4", "2026-11-24T10:00:00.000Z", other, {
      commitUnchanged: true,
    });
    expect(heartbeat).toMatchObject({ changed: true, archived: [expect.any(String)] });
    expect(heartbeat.unchanged).toBeUndefined();
  });

  it("changes nothing when the branch already holds the same backup", async () => {
    const repo = new MemoryBackupRepo();
    const artifacts = await storeWith({ "database.sql": "x\n" });
    const m = manifest("same", "2026-11-22T10:00:00.000Z", { "database.sql": "x\n" });
    const first = await publishBackup({
      repo,
      branch: "main",
      manifest: m,
      artifacts,
      retention,
      commitUnchanged: true,
      author: AUTHOR,
    });
    const again = await publishBackup({
      repo,
      branch: "main",
      manifest: m,
      artifacts,
      retention,
      commitUnchanged: true,
      author: AUTHOR,
    });
    expect(again.changed).toBe(false);
    expect(again.commit).toBe(first.commit);
    expect(again.tree).toBe(first.tree);
  });

  it("rebuilds on top when another writer moved the branch, losing no commit", async () => {
    const repo = new MemoryBackupRepo();
    const artifacts = await storeWith({ "database.sql": "x\n" });
    const base = await publishBackup({
      repo,
      branch: "main",
      manifest: manifest("a", "2026-11-20T10:00:00.000Z", { "database.sql": "x\n" }),
      artifacts,
      retention,
      commitUnchanged: true,
      author: AUTHOR,
    });
    let raced = false;
    const racing = withCommit(repo, async (req) => {
      if (!raced) {
        raced = true;
        await repo.commit({
          ...req,
          ops: [{ op: "file", path: "other", source: { kind: "text", text: "o" } }],
          message: "other\n",
        });
      }
      return repo.commit(req);
    });
    const r = await publishBackup({
      repo: racing,
      branch: "main",
      manifest: manifest("b", "2026-11-21T10:00:00.000Z", { "database.sql": "x\n" }),
      artifacts,
      retention,
      commitUnchanged: true,
      author: AUTHOR,
    });
    expect(raced).toBe(true);
    expect(await repo.readFile(r.commit, "other")).not.toBeNull();
    expect(await repo.listTree(r.commit, "backups/archive")).toHaveLength(1);
    expect(r.commit).not.toBe(base.commit);
  });

  it("gives up with BranchMovedError when the branch keeps moving", async () => {
    const repo = new MemoryBackupRepo();
    const always = withCommit(repo, async () => {
      throw new BranchMovedError("main");
    });
    await expect(
      publishBackup({
        repo: always,
        branch: "main",
        manifest: manifest("c", "2026-11-21T10:00:00.000Z", {}),
        artifacts: new MemoryArtifactStore(),
        retention,
        commitUnchanged: true,
        attempts: 2,
      }),
    ).rejects.toBeInstanceOf(BranchMovedError);
  });

  it("prunes archives outside both retention rules as part of the same commit", async () => {
    const repo = new MemoryBackupRepo();
    const artifacts = await storeWith({ "database.sql": "x\n" });
    const now = new Date("2026-11-22T12:00:00Z");
    let last = "";
    for (let day = 1; day <= 6; day++) {
      const m = manifest(`d${day}`, `2026-11-${String(10 + day).padStart(2, "0")}T10:00:00.000Z`, {
        "database.sql": "x\n",
      });
      last = (
        await publishBackup({
          repo,
          branch: "main",
          manifest: m,
          artifacts,
          retention: { keep: 2, keepDays: 8 },
          commitUnchanged: true,
          now,
          author: AUTHOR,
        })
      ).commit;
    }
    // Archives of days 1–5; kept: the newest two (4, 5) and those younger than 8 days (from 11-14 on).
    expect((await repo.listTree(last, "backups/archive"))?.map((e) => e.name.slice(0, 10))).toEqual(
      ["2026-11-14", "2026-11-15"],
    );
  });
});

describe("pruneArchives", () => {
  const now = new Date("2026-11-22T00:00:00Z");
  const names = [
    "2026-11-21T00-00-00Z--a--push--1",
    "2026-10-01T00-00-00Z--a--push--2",
    "2026-09-01T00-00-00Z--a--push--3",
    "hand-made",
  ];

  it("keeps the union of the newest N and the last D days, never names without a time", () => {
    expect(pruneArchives(names, { keep: 1, keepDays: 30 }, now)).toEqual([
      "2026-10-01T00-00-00Z--a--push--2",
      "2026-09-01T00-00-00Z--a--push--3",
    ]);
    expect(pruneArchives(names, { keep: 2, keepDays: 0 }, now)).toEqual([
      "2026-09-01T00-00-00Z--a--push--3",
    ]);
    expect(pruneArchives(names, { keep: 0, keepDays: 0 }, now)).toHaveLength(3);
    expect(pruneArchives(names, { keep: 30, keepDays: 30 }, now)).toEqual([]);
  });
});
