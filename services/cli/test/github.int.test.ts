import { cp, mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifest } from "@tablesnap/core";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, tablesnap } from "./cli.ts";
import { type CliGitHub, cloneAndFsck, startCliGitHub } from "./github.ts";

interface JsonOut {
  publish: { changed: boolean; archived: string[]; writes?: number; commit: string };
}

/** The last line of stderr, where the CLI puts its one error line. */
const errorLine = (stderr: string) => stderr.trim().split("\n").at(-1) ?? "";

describe("tablesnap backup --github and --git-remote", () => {
  let db: ScratchDatabase;
  let h: CliGitHub;
  let kept: string;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_gh");
    await db.sql.unsafe(`
      CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);
      INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 500) g;
      CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body jsonb);
      INSERT INTO events (body) SELECT jsonb_build_object('n', g) FROM generate_series(1, 200) g;
    `);
    h = await startCliGitHub({
      tokens: [
        { token: "t-other", repositories: ["acme/elsewhere"] },
        { token: "t-read", permission: "read" },
      ],
    });
  });
  afterAll(async () => {
    await db?.drop();
    await h?.close();
  });

  it("gives an empty repository its first backup; unchanged writes nothing, or 3 writes as a heartbeat", async () => {
    const repo = await h.createRepo("backups");
    const first = await h.backup(["--database-url", db.url, "--github", repo]);
    expect(first.stderr).toMatch(/committed [0-9a-f]{12}: backups\/latest\/latest_/);
    expect(first.stderr).toMatch(/\d+ write requests to GitHub/);
    expect(first.code).toBe(0);

    h.gh.resetCounts();
    const same = await h.backup(["--database-url", db.url, "--github", repo, "--json", "--quiet"]);
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout).publish).toMatchObject({ changed: false, unchanged: true });
    expect(h.gh.counts().writes).toBe(0);

    h.gh.resetCounts();
    const second = await h.backup([
      "--database-url",
      db.url,
      "--github",
      repo,
      "--json",
      "--quiet",
      "--commit-unchanged",
    ]);
    expect(second.code).toBe(0);
    const out = JSON.parse(second.stdout) as JsonOut;
    expect(out.publish.archived).toHaveLength(1);
    // One tree (manifest.json inline, everything else by SHA), one commit, one ref: the custom
    // archive is byte-identical too, since its creation time is fixed.
    expect(h.gh.counts().writes).toBe(3);
    expect(out.publish.writes).toBe(h.gh.counts().writes);

    const clone = await cloneAndFsck(h.bare(repo));
    expect(await git(clone, "ls-tree", "--name-only", "HEAD")).toBe("README.md\nbackups");
    expect(await git(clone, "rev-list", "--count", "HEAD")).toBe("3");
    expect(await git(clone, "ls-tree", "--name-only", "HEAD:backups/archive")).toBe(
      out.publish.archived[0],
    );
    expect(await readdir(join(h.dir, "work", "pending"))).toEqual([]);
  });

  it("says in one line when the token cannot see the repository or may not write, before dumping", async () => {
    const repo = await h.createRepo("private");
    const hidden = await h.backup(["--database-url", db.url, "--github", repo], {
      GITHUB_TOKEN: "t-other",
    });
    expect(hidden.code).toBe(1);
    expect(errorLine(hidden.stderr)).toBe(
      `tablesnap: error: GitHub repository ${repo} not found, or the credentials cannot see it: create it, or give the token (or the app's installation) access to it`,
    );
    expect(hidden.stderr).not.toMatch(/backing up/);
    const readOnly = await h.backup(["--database-url", db.url, "--github", repo], {
      GITHUB_TOKEN: "t-read",
    });
    expect(readOnly.code).toBe(1);
    expect(errorLine(readOnly.stderr)).toMatch(
      /^tablesnap: error: the credentials may read .* but not push/,
    );
    const noCreds = await h.backup(["--database-url", db.url, "--github", repo], {
      GITHUB_TOKEN: "",
    });
    expect(noCreds.code).toBe(2);
    expect(errorLine(noCreds.stderr)).toMatch(/--github needs credentials: set GITHUB_TOKEN/);
  });

  it("keeps the dump when the branch is protected, and --resume publishes it without dumping", async () => {
    const repo = await h.createRepo("guarded");
    const [owner = "", name = ""] = repo.split("/");
    expect((await h.backup(["--database-url", db.url, "--github", repo, "--quiet"])).code).toBe(0);
    h.gh.protectBranch(owner, name, "main");
    // Nothing changed since: --commit-unchanged makes it try to commit all the same.
    const refused = await h.backup([
      "--database-url",
      db.url,
      "--github",
      repo,
      "--commit-unchanged",
    ]);
    expect(refused.code).toBe(1);
    const line = errorLine(refused.stderr);
    expect(line).toMatch(
      /^tablesnap: error: GitHub refused to update the branch of .*: it is protected/,
    );
    const m = /the dump is kept in (\S+): .* --resume (\S+) to publish it/.exec(line);
    expect(m?.[1]).toBe(m?.[2]);
    kept = join(await mkdtemp(join(tmpdir(), "tsnap-kept-")), "dump");
    await cp(m?.[1] ?? "", kept, { recursive: true });

    h.gh.unprotectBranch(owner, name, "main");
    const resumed = await h.backup([
      "--github",
      repo,
      "--resume",
      m?.[1] ?? "",
      "--commit-unchanged",
    ]);
    expect(resumed.stderr).toMatch(/publishing the dump in /);
    expect(resumed.code).toBe(0);
    await expect(stat(m?.[1] ?? "")).rejects.toThrow(); // published, so removed
  });

  it("gives the same tree through --repo, --github and --git-remote", async () => {
    const copies = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const to = join(await mkdtemp(join(tmpdir(), "tsnap-copy-")), `d${i}`);
        await cp(kept, to, { recursive: true });
        return to;
      }),
    );
    const local = join(await mkdtemp(join(tmpdir(), "tsnap-local-")), "repo");
    const ghRepo = await h.createRepo("same");
    const remote = await h.createRepo("remote");
    const runs = [
      await tablesnap(["backup", "--repo", local, "--resume", copies[0] ?? "", "--quiet"]),
      await h.backup(["--github", ghRepo, "--resume", copies[1] ?? "", "--quiet"]),
      await tablesnap(["backup", "--git-remote", h.bare(remote), "--resume", copies[2] ?? ""]),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    const viaRepo = await git(local, "rev-parse", "HEAD:backups");
    expect(await git(h.bare(ghRepo), "rev-parse", "main:backups")).toBe(viaRepo);
    expect(await git(h.bare(remote), "rev-parse", "main:backups")).toBe(viaRepo);
    // Without GitHub's README the whole trees are equal too.
    expect(await git(h.bare(remote), "rev-parse", "main^{tree}")).toBe(
      await git(local, "rev-parse", "HEAD^{tree}"),
    );
    await cloneAndFsck(h.bare(remote));
  });

  it("--git-remote backs up into a bare repository and archives the previous backup", async () => {
    const remote = h.bare(await h.createRepo("pushed"));
    for (const more of [[], ["--commit-unchanged"], []]) {
      const r = await tablesnap([
        "backup",
        "--database-url",
        db.url,
        "--git-remote",
        remote,
        "--quiet",
        ...more,
      ]);
      expect(r.code).toBe(0);
    }
    // The third run found nothing changed: it pushed nothing.
    const clone = await cloneAndFsck(remote);
    expect(await git(clone, "rev-list", "--count", "HEAD")).toBe("2");
    const link = await git(clone, "show", "HEAD:backups/latest/latest");
    const manifest = parseManifest(
      await git(clone, "show", `HEAD:backups/latest/${link}/manifest.json`),
    );
    expect(manifest.tables.map((t) => t.name).sort()).toEqual(["events", "users"]);
  });
});

describe("tablesnap backup --github of a table over 40 MB", () => {
  let db: ScratchDatabase;
  let h: CliGitHub;
  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_gh_big");
    await db.sql.unsafe(`
      CREATE TABLE big (id int PRIMARY KEY, payload text NOT NULL);
      INSERT INTO big SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 45000) g;
    `);
    h = await startCliGitHub();
  });
  afterAll(async () => {
    await db?.drop();
    await h?.close();
  });

  it("splits it into parts, sends each part as one blob, and the clone checks", async () => {
    const repo = await h.createRepo("big");
    h.gh.resetCounts();
    const r = await h.backup(["--database-url", db.url, "--github", repo, "--no-custom-dump"]);
    expect(r.code).toBe(0);
    const routes = h.gh.counts().byRoute;
    expect(routes["POST /repos/{owner}/{repo}/git/blobs"]).toBe(2);
    expect(routes["POST /repos/{owner}/{repo}/git/trees"]).toBe(1);
    const clone = await cloneAndFsck(h.bare(repo));
    const link = await git(clone, "show", "HEAD:backups/latest/latest");
    const files = await git(
      clone,
      "ls-tree",
      "-r",
      "-l",
      `HEAD:backups/latest/${link}/public/tables/big`,
    );
    const sizes = files.split("\n").map((l) => [l.split("\t")[1], Number(l.split(/\s+/)[3])]);
    expect(sizes.map(([name]) => name)).toEqual(["data.part-002.sql", "data.sql", "schema.sql"]);
    const total = sizes.reduce((n, [, s]) => n + Number(s), 0);
    expect(total).toBeGreaterThan(40_000_000);
    for (const [, s] of sizes) expect(Number(s)).toBeLessThanOrEqual(32 * 1024 * 1024);
  });
});
