import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scratchDatabases } from "@tablesnap/restore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobNames, leaked, MARKERS, newKey, run } from "./age.ts";
import { tablesnap } from "./cli.ts";
import { type CliGitHub, startCliGitHub } from "./github.ts";

describe("tablesnap keys rotate", () => {
  const dbs = scratchDatabases();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tsnap-rekey-"));
  });
  afterAll(async () => {
    await dbs.dropAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("re-encrypts the latest backup for the new keys only; the archive keeps the old one", async () => {
    const oldKey = await newKey(dir, "old");
    const newKey1 = await newKey(dir, "new");
    const db = await dbs.create("tsnap_rekey");
    await db.sql.unsafe(`
      CREATE TABLE public.secrets (id int PRIMARY KEY, body text NOT NULL);
      INSERT INTO public.secrets SELECT g, '${MARKERS[0]} ' || g FROM generate_series(1, 200) g;
    `);
    const repo = join(dir, "repo");
    const backup = (key: string) =>
      tablesnap([
        "backup",
        "--database-url",
        db.url,
        "--repo",
        repo,
        "--quiet",
        "--encrypt-to",
        key,
      ]);
    const first = await backup(oldKey.recipient);
    expect(first.code, first.stderr).toBe(0);
    await db.sql`UPDATE public.secrets SET body = body || '!' WHERE id = 1`;
    const second = await backup(oldKey.recipient);
    expect(second.code, second.stderr).toBe(0);
    // Archives are in git only (a repository tablesnap creates checks out backups/latest).
    const listed = await run("git", [
      "-C",
      repo,
      "ls-tree",
      "--name-only",
      "HEAD",
      "backups/archive/",
    ]);
    const archive = listed.stdout.trim().split("/").at(-1) ?? "";

    const usage = await tablesnap([
      "keys",
      "rotate",
      "--repo",
      repo,
      "--encrypt-to",
      newKey1.recipient,
    ]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--identity FILE is required");
    const r = await tablesnap([
      ...["keys", "rotate", "--repo", repo, "--identity", oldKey.file],
      ...["--encrypt-to", newKey1.recipient],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `re-keyed backups/latest/latest_\\S+: \\d+ encrypted file\\(s\\) now for ${newKey1.recipient}`,
      ),
    );

    const withNew = await tablesnap(["verify", "--repo", repo, "--identity", newKey1.file]);
    expect(withNew.code, withNew.stderr).toBe(0);
    expect(withNew.stderr).not.toContain("not opened");
    const withOld = await tablesnap(["verify", "--repo", repo, "--identity", oldKey.file]);
    expect(withOld.stderr).toMatch(/; \d+ encrypted file\(s\) checked as stored only, not opened/);
    const target = await dbs.create("tsnap_rekey_old");
    const refused = await tablesnap([
      ...["restore", "--repo", repo, "--database-url", target.url, "--quiet"],
      ...["--identity", oldKey.file],
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `is encrypted to ${newKey1.recipient}; none of the 1 identities`,
    );
    const restored = await tablesnap([
      ...["restore", "--repo", repo, "--database-url", target.url, "--quiet"],
      ...["--identity", newKey1.file],
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await target.sql`SELECT count(*)::int AS n FROM public.secrets`).toEqual([{ n: 200 }]);

    const old = await tablesnap([
      ...["verify", "--repo", repo, "--backup", archive, "--identity", oldKey.file],
    ]);
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr).not.toContain("not opened");
    expect(await leaked(repo)).toEqual([]);
  });
});

describe("tablesnap backup --encrypt by name", () => {
  const dbs = scratchDatabases();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tsnap-encname-"));
  });
  afterAll(async () => {
    await dbs.dropAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("a partitioned table named encrypts its partitions, wherever they live; a name that matches nothing fails", async () => {
    const key = await newKey(dir, "k");
    const db = await dbs.create("tsnap_encname");
    await db.sql.unsafe(`
      CREATE SCHEMA other;
      CREATE TABLE public.events (id int, day date, body text) PARTITION BY RANGE (day);
      CREATE TABLE public.events_a PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE TABLE other.events_b PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
      INSERT INTO public.events VALUES (1, '2024-05-05', '${MARKERS[0]}'), (2, '2025-05-05', '${MARKERS[1]}');
      CREATE TABLE public.plain (id int PRIMARY KEY);
    `);
    const repo = join(dir, "repo");
    const args = ["backup", "--database-url", db.url, "--repo", repo, "--quiet"];
    const typo = await tablesnap([
      ...args,
      "--encrypt-to",
      key.recipient,
      "--encrypt",
      "public.evnts",
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('--encrypt "public.evnts" matches no table of this database');
    const r = await tablesnap([
      ...args,
      "--encrypt-to",
      key.recipient,
      "--encrypt",
      "public.events",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const files = (await run("git", ["-C", repo, "ls-tree", "-r", "--name-only", "HEAD"])).stdout;
    expect(files).toMatch(/\/public\/tables\/events_a\/data\.sql\.age\n/);
    expect(files).toMatch(/\/other\/tables\/events_b\/data\.sql\.age\n/);
    expect(files).toMatch(/\/other\/other\.dump\.age\n/);
    expect(files).toMatch(/\/public\/tables\/plain\/data\.sql\n/);
    expect(await leaked(repo)).toEqual([]);
  });
});

describe("tablesnap backup --github --encrypt-to", () => {
  const dbs = scratchDatabases();
  let h: CliGitHub;
  let dir: string;

  beforeAll(async () => {
    h = await startCliGitHub();
    dir = await mkdtemp(join(tmpdir(), "tsnap-enc-gh-"));
  });
  afterAll(async () => {
    await dbs.dropAll();
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("an unchanged encrypted database writes nothing; as a heartbeat, at most 3 writes and no data blob", async () => {
    const key = await newKey(dir, "gh");
    const db = await dbs.create("tsnap_enc_gh");
    await db.sql.unsafe(`
      CREATE TABLE public.users (id int PRIMARY KEY, email text NOT NULL);
      INSERT INTO public.users SELECT g, 'user' || g || '@${MARKERS[1]}' FROM generate_series(1, 300) g;
    `);
    const repo = await h.createRepo("enc");
    const args = ["--database-url", db.url, "--github", repo, "--encrypt-to", key.recipient];
    const first = await h.backup([...args, "--quiet"]);
    expect(first.code, first.stderr).toBe(0);
    const before = await blobNames(h.bare(repo));
    h.gh.resetCounts();
    const same = await h.backup([...args, "--quiet", "--json"]);
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout).publish).toMatchObject({ unchanged: true });
    expect(h.gh.counts().writes).toBe(0);
    expect((await blobNames(h.bare(repo))).size).toBe(before.size);
    h.gh.resetCounts();
    const second = await h.backup([...args, "--quiet", "--json", "--commit-unchanged"]);
    expect(second.code, second.stderr).toBe(0);
    expect(h.gh.counts().writes).toBeLessThanOrEqual(3);
    const added = [...(await blobNames(h.bare(repo)))].filter((b) => !before.has(b));
    // The new manifest and the link to the new folder; every data file is the old ciphertext.
    expect(added).toHaveLength(2);
    expect(await leaked("", h.bare(repo))).toEqual([]);
  });
});
