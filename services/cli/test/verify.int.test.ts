import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, tablesnap } from "./cli.ts";

describe("tablesnap verify", () => {
  let db: ScratchDatabase;
  let repo: string;
  let latest: string;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_verify");
    await db.sql`create table t (id int primary key, v text)`;
    await db.sql`insert into t select g, md5(g::text) from generate_series(1, 500) g`;
    repo = join(await mkdtemp(join(tmpdir(), "tsnap-verify-")), "repo");
    for (let i = 0; i < 2; i++) {
      // A row more each time: a backup identical to the latest would commit nothing.
      await db.sql`insert into t values (${1000 + i}, 'new')`;
      const r = await tablesnap([
        "backup",
        "--database-url",
        db.url,
        "--repo",
        repo,
        "--quiet",
        "--no-custom-dump",
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    latest = join(repo, "backups/latest/latest");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("passes a fresh backup, from the folder (through the symlink) and from git", async () => {
    const folder = await tablesnap(["verify", latest]);
    expect(folder.code).toBe(0);
    expect(folder.stdout).toBe("");
    expect(folder.stderr).toMatch(
      /^ok: backup \S+ — 6 files, \d+ bytes, every checksum matches\n$/,
    );
    const archive = await git(repo, "ls-tree", "--name-only", "HEAD:backups/archive");
    for (const backup of ["latest", archive]) {
      const r = await tablesnap(["verify", "--repo", repo, "--backup", backup, "--json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, files: 6, problems: [] });
    }
  });

  it("given the repository itself (as the quickstart names it), verifies its latest backup", async () => {
    const viaRepo = await tablesnap(["verify", "--repo", repo, "--json"]);
    const root = await tablesnap(["verify", repo, "--json"]);
    expect(root.code, root.stderr).toBe(0);
    expect(JSON.parse(root.stdout)).toEqual(JSON.parse(viaRepo.stdout));
  });

  it("fails with one line per problem when files were changed, removed or added", async () => {
    await appendFile(join(latest, "public/tables/t/data.sql"), "tampered\n");
    await rm(join(latest, "roles.sql"));
    await writeFile(join(latest, "public/stray.sql"), "select 1;\n");
    try {
      const r = await tablesnap(["verify", latest]);
      expect(r.code).toBe(1);
      expect(r.stdout.trim().split("\n")).toEqual([
        "roles.sql: missing",
        expect.stringMatching(/^public\/tables\/t\/data\.sql: \d+ bytes, manifest says \d+$/),
        "public/stray.sql: not in manifest.json",
      ]);
      expect(r.stderr).toMatch(/^FAILED: 3 problem\(s\) in backup /);
      // The committed backup is untouched: read from git it still verifies.
      expect((await tablesnap(["verify", "--repo", repo])).code).toBe(0);
    } finally {
      await rm(join(latest, "public/stray.sql"), { force: true });
      await git(repo, "checkout", "--", ".");
    }
  });

  it("says clearly when there is no such backup", async () => {
    const none = await tablesnap(["verify", join(repo, "no-such-folder")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^tablesnap: error: no backup folder at /);
    const name = await tablesnap([
      "verify",
      "--repo",
      repo,
      "--backup",
      "2020-01-01T00-00-00Z--x--push--y",
    ]);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('no backup "2020-01-01T00-00-00Z--x--push--y" on main');
    const plain = await tablesnap(["verify", await mkdtemp(join(tmpdir(), "tsnap-empty-"))]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe("manifest.json: not found\n");
  });
});
