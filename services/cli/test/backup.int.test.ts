import { mkdtemp, readlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifest } from "@tablesnap/core";
import { createScratchDatabase, loadHardCases, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, tablesnap } from "./cli.ts";

describe("tablesnap backup into a local repository", () => {
  let db: ScratchDatabase;
  let repo: string;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_cli");
    await loadHardCases(db.url);
    repo = join(await mkdtemp(join(tmpdir(), "tsnap-cli-")), "backups");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("creates the repository and commits the first backup under backups/latest", async () => {
    const r = await tablesnap([
      "backup",
      "--database-url",
      db.url,
      "--repo",
      repo,
      "--source",
      "acme/api",
      "--event",
      "push",
      "--ref",
      "0123456789abcdef0123456789abcdef01234567",
    ]);
    expect(r.stderr).toMatch(/committed [0-9a-f]{12}: backups\/latest\/latest_/);
    expect(r.code).toBe(0);
    expect(await git(repo, "rev-list", "--count", "HEAD")).toBe("1");
    const link = await readlink(join(repo, "backups/latest/latest"));
    expect(link).toMatch(/^latest_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    const manifest = parseManifest(
      await git(repo, "show", `HEAD:backups/latest/${link}/manifest.json`),
    );
    expect(manifest.triggers[0]).toMatchObject({ source: "acme/api", event: "push" });
    expect(await git(repo, "log", "-1", "--format=%s")).toMatch(
      new RegExp(
        `^backup ${db.name} at .*: ${manifest.totals.tables} tables, ${manifest.totals.rows} rows`,
      ),
    );
    expect(await git(repo, "status", "--porcelain")).toBe("");
  });

  it("moves the previous backup to backups/archive under its own name and reuses unchanged files", async () => {
    const r = await tablesnap([
      "backup",
      "--database-url",
      db.url,
      "--repo",
      repo,
      "--json",
      "--quiet",
      "--commit-unchanged", // the database did not change: commit anyway, to be archived
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      publish: { archived: string[]; reusedFiles: number; changed: boolean };
    };
    expect(out.publish.changed).toBe(true);
    expect(out.publish.archived).toHaveLength(1);
    expect(out.publish.archived[0]).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z--acme-api--push--0123456$/,
    );
    expect(out.publish.reusedFiles).toBeGreaterThan(100);
    expect(await git(repo, "ls-tree", "--name-only", "HEAD:backups/archive")).toBe(
      out.publish.archived[0],
    );
    // Table files of an unchanged database are the very same blobs as in the archived backup.
    const blobs = async (tree: string) =>
      (await git(repo, "ls-tree", "-r", tree))
        .split("\n")
        .map((l) => l.split("\t"))
        .filter(([, path]) => path?.includes("/tables/"))
        .map(([meta, path]) => `${path} ${meta?.split(" ")[2]}`)
        .sort();
    const link = await readlink(join(repo, "backups/latest/latest"));
    const now = await blobs(`HEAD:backups/latest/${link}`);
    const before = await blobs(`HEAD:backups/archive/${out.publish.archived[0]}`);
    expect(now.length).toBeGreaterThan(90);
    expect(now).toEqual(before);
  });

  it("writes nothing when nothing changed, naming the backup it matched", async () => {
    const head = await git(repo, "rev-parse", "HEAD");
    const r = await tablesnap(["backup", "--database-url", db.url, "--repo", repo]);
    expect(r.code, r.stderr).toBe(0);
    const link = await readlink(join(repo, "backups/latest/latest"));
    expect(r.stderr).toContain(
      `unchanged: nothing changed since backups/latest/${link} (commit ${head.slice(0, 12)}); nothing committed`,
    );
    expect(await git(repo, "rev-parse", "HEAD")).toBe(head);
    expect(await git(repo, "status", "--porcelain")).toBe("");
    // A sequence that moved is a change, though no table's rows did.
    const [seq] = await db.sql<{ name: string }[]>`
      SELECT format('%I.%I', schemaname, sequencename) AS name FROM pg_sequences LIMIT 1`;
    await db.sql`SELECT nextval(${seq?.name ?? ""}::regclass)`;
    const moved = await tablesnap(["backup", "--database-url", db.url, "--repo", repo, "--json"]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout).publish).toMatchObject({ changed: true });
    expect(await git(repo, "rev-list", "--count", "HEAD")).toBe("3");
  });

  it("leaves a repository that plain git clones and checks", async () => {
    const clone = join(await mkdtemp(join(tmpdir(), "tsnap-clone-")), "c");
    await git(tmpdir(), "clone", "-q", repo, clone);
    await git(clone, "fsck", "--strict", "--no-progress");
    expect(await git(clone, "rev-list", "--count", "HEAD")).toBe("3");
    // And a clone is a fine --repo too.
    const r = await tablesnap([
      "backup",
      "--database-url",
      db.url,
      "--repo",
      clone,
      "--quiet",
      "--no-custom-dump",
    ]);
    expect(r.code).toBe(0);
    expect(await git(clone, "rev-list", "--count", "HEAD")).toBe("4");
    expect(
      (await git(clone, "ls-tree", "--name-only", "HEAD:backups/archive")).split("\n"),
    ).toHaveLength(3);
  });
});
