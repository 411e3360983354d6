import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Manifest, manifestFiles } from "@tablesnap/core";
import {
  copyBackup,
  differencesFrom,
  readManifest,
  scratchDatabases,
  userObjects,
} from "@tablesnap/restore/testing";
import { adminUrl, loadHardCases } from "@tablesnap/testing";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tablesnap } from "./cli.ts";
import { type CliGitHub, startCliGitHub } from "./github.ts";

const run = promisify(execFile);

/** Strings planted in public.* rows: none may reach the repository in plain text. */
const MARKERS = [
  "Marker Name 5e1f0c",
  "marker-mail-5e1f0c@example.com",
  "marker note 5e1f0c",
  "marker-sensor-5e1f0c",
];

async function newKey(dir: string, name: string) {
  const secret = await generateX25519Identity();
  const file = join(dir, `${name}.txt`);
  const recipient = await identityToRecipient(secret);
  await writeFile(file, `# public key: ${recipient}\n${secret}\n`, { mode: 0o600 });
  return { secret, recipient, file };
}

/** Every object in a git directory, loose or packed, reachable or not, decompressed. */
async function everyObject(gitDir: string): Promise<Buffer> {
  const r = await run("git", ["--git-dir", gitDir, "cat-file", "--batch-all-objects", "--batch"], {
    encoding: "buffer",
    maxBuffer: 1 << 30,
  });
  return r.stdout;
}

async function blobNames(gitDir: string): Promise<Set<string>> {
  const r = await run("git", [
    "--git-dir",
    gitDir,
    "cat-file",
    "--batch-all-objects",
    "--batch-check=%(objecttype) %(objectname)",
  ]);
  return new Set(
    r.stdout
      .split("\n")
      .filter((l) => l.startsWith("blob "))
      .map((l) => l.slice(5)),
  );
}

/** The markers found anywhere in the repository: its objects, its work tree, `git grep`. */
async function leaked(repo: string, gitDir = join(repo, ".git")): Promise<string[]> {
  const objects = await everyObject(gitDir);
  const found = MARKERS.filter((m) => objects.includes(m));
  const commits = (await run("git", ["--git-dir", gitDir, "rev-list", "--all"])).stdout.split("\n");
  for (const m of MARKERS) {
    const g = await run("git", [
      "--git-dir",
      gitDir,
      "grep",
      "-a",
      "-F",
      m,
      ...commits.filter(Boolean),
    ])
      .then(() => true)
      .catch((e: { code?: number }) => (e.code === 1 ? false : Promise.reject(e)));
    if (g) found.push(`git grep: ${m}`);
  }
  return found;
}

describe("tablesnap backup --encrypt-to: age encryption of chosen tables", () => {
  const dbs = scratchDatabases();
  const temp: string[] = [];
  let dir: string;
  let source: Awaited<ReturnType<ReturnType<typeof scratchDatabases>["create"]>>;
  let keyA: Awaited<ReturnType<typeof newKey>>;
  let keyB: Awaited<ReturnType<typeof newKey>>;
  let repo: string;
  let manifest: Manifest;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tsnap-enc-"));
    temp.push(dir);
    keyA = await newKey(dir, "a");
    keyB = await newKey(dir, "b");
    source = await dbs.create("tsnap_enc_src");
    await loadHardCases(source.url);
    await source.sql.unsafe(`
      INSERT INTO public.customers (name, email, country, note)
        VALUES ('${MARKERS[0]}', '${MARKERS[1]}', 'NL', '${MARKERS[2]}');
      INSERT INTO public.measurements (id, measured_on, sensor, value)
        VALUES (7, '2024-03-03', '${MARKERS[3]}', 1);
    `);
    repo = join(dir, "repo");
    const r = await tablesnap([
      ...["backup", "--database-url", source.url, "--repo", repo, "--quiet"],
      ...["--encrypt-to", keyA.recipient, "--encrypt", "public.*"],
    ]);
    expect(r.code, r.stderr).toBe(0);
    manifest = await readManifest(join(repo, "backups/latest/latest"));
  });
  afterAll(async () => {
    await dbs.dropAll();
    await Promise.all(temp.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("encrypts public's data, roles.sql and public's archive, and leaves the rest readable", () => {
    const byPath = new Map(manifestFiles(manifest).map((f) => [f.path, f]));
    const customers = byPath.get("public/tables/customers/data.sql.age");
    expect(customers?.recipients).toEqual([keyA.recipient]);
    expect(customers?.plain?.bytes).toBeGreaterThan(0);
    expect(byPath.get("roles.sql.age")?.recipients).toEqual([keyA.recipient]);
    expect(byPath.get("public/public.dump.age")).toBeDefined();
    expect(byPath.get("public/tables/customers/schema.sql")?.plain).toBeUndefined();
    expect(byPath.get("app/tables/orders/data.sql")?.plain).toBeUndefined();
    const encrypted = [...byPath.keys()].filter((p) => p.endsWith(".age"));
    expect(
      encrypted.every((p) => p === "roles.sql.age" || p.startsWith("public/")),
      encrypted.join(", "),
    ).toBe(true);
  });

  it("puts none of the planted strings into any commit, blob or file of the repository", async () => {
    expect(await leaked(repo)).toEqual([]);
    const files = await readdir(repo, { recursive: true });
    for (const f of files.filter((p) => !p.startsWith(".git"))) {
      const text = await readFile(join(repo, f)).catch(() => Buffer.alloc(0));
      for (const m of MARKERS) expect(text.includes(m), `${f} holds ${m}`).toBe(false);
    }
  });

  it("restores with the identity, equal to the source; without it, fails before writing", async () => {
    const bare = await dbs.create("tsnap_enc_noid");
    const r = await tablesnap(["restore", "--repo", repo, "--database-url", bare.url, "--quiet"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`\\S+\\.sql is encrypted to ${keyA.recipient}; no identity was given`),
    );
    expect(await userObjects(bare.sql)).toEqual([]);

    const wrong = await tablesnap(
      ["restore", "--repo", repo, "--database-url", bare.url, "--quiet"],
      { TABLESNAP_AGE_IDENTITY_FILE: keyB.file },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("none of the 1 identities given is the key of one of them");
    expect(wrong.stderr).not.toContain(keyB.secret);
    expect(await userObjects(bare.sql)).toEqual([]);

    const target = await dbs.create("tsnap_enc_whole");
    const ok = await tablesnap([
      ...["restore", "--repo", repo, "--database-url", target.url, "--quiet"],
      ...["--identity", keyA.file],
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await differencesFrom(manifest, target.url)).toEqual([]);
    const rows =
      await target.sql`SELECT note FROM public.customers WHERE email = ${MARKERS[1] ?? ""}`;
    expect(rows).toEqual([{ note: MARKERS[2] }]);
  });

  it("drill restores with the identity and matches every table's plaintext checksum", async () => {
    const r = await tablesnap([
      ...["drill", "--repo", repo, "--scratch-url", adminUrl(), "--json"],
      ...["--identity", keyA.file],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; tables: { ok: boolean }[] };
    expect(report.ok).toBe(true);
    expect(report.tables.length).toBeGreaterThan(40);
    const blind = await tablesnap(["drill", "--repo", repo, "--scratch-url", adminUrl()]);
    expect(blind.code).toBe(1);
    expect(blind.stdout).toContain(`is encrypted to ${keyA.recipient}; no identity was given`);
  });

  it("verify checks every stored file without an identity, and the plaintext with one", async () => {
    const blind = await tablesnap(["verify", "--repo", repo]);
    expect(blind.code, blind.stderr).toBe(0);
    const encrypted = manifestFiles(manifest).filter((f) => f.plain).length;
    expect(blind.stderr).toContain(
      `; ${encrypted} encrypted file(s) checked as stored only, not opened (no --identity for them)`,
    );
    const seeing = await tablesnap(["verify", "--repo", repo, "--identity", keyA.file]);
    expect(seeing.code, seeing.stderr).toBe(0);
    expect(seeing.stderr).not.toContain("not opened");
  });

  it("verify catches a flipped byte in a .age file, without an identity and with one", async () => {
    const copy = await copyBackup(join(repo, "backups/latest/latest"));
    temp.push(copy);
    const path = join(copy, "public/tables/customers/data.sql.age");
    const bytes = await readFile(path);
    const at = bytes.length - 20;
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    await writeFile(path, bytes);
    const blind = await tablesnap(["verify", copy]);
    expect(blind.code).toBe(1);
    expect(blind.stdout).toContain("public/tables/customers/data.sql.age: sha256 ");

    // With the manifest's sha256 made to match, only age's own authentication can tell.
    const m = await readManifest(copy);
    const entry = manifestFiles(m).find((f) => f.path === "public/tables/customers/data.sql.age");
    if (!entry) throw new Error("no entry");
    const { createHash } = await import("node:crypto");
    entry.sha256 = createHash("sha256").update(bytes).digest("hex");
    const { serializeManifest } = await import("@tablesnap/core");
    await writeFile(join(copy, "manifest.json"), serializeManifest(m));
    const seeing = await tablesnap(["verify", copy, "--identity", keyA.file]);
    expect(seeing.code).toBe(1);
    expect(seeing.stdout).toContain("public/tables/customers/data.sql.age: does not decrypt (");
    const target = await dbs.create("tsnap_enc_tampered");
    const restore = await tablesnap([
      ...["restore", "--from", copy, "--database-url", target.url, "--quiet"],
      ...["--identity", keyA.file],
    ]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("public/tables/customers/data.sql: does not decrypt (");
    expect(await userObjects(target.sql)).toEqual([]);
  });

  it("an unchanged second backup reuses every ciphertext: no new blob but its manifest", async () => {
    const gitDir = join(repo, ".git");
    const before = await blobNames(gitDir);
    const r = await tablesnap([
      ...["backup", "--database-url", source.url, "--repo", repo, "--quiet", "--json"],
      ...["--encrypt-to", keyA.recipient, "--encrypt", "public.*"],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const added = [...(await blobNames(gitDir))].filter((b) => !before.has(b));
    const rev = async (path: string) =>
      (await run("git", ["--git-dir", gitDir, "rev-parse", `HEAD:${path}`])).stdout.trim();
    // The link `backups/latest/latest` is a blob too: it names the new folder.
    const link = await rev("backups/latest/latest");
    const folder = (await run("git", ["--git-dir", gitDir, "cat-file", "blob", link])).stdout;
    const manifestBlob = await rev(`backups/latest/${folder.trim()}/manifest.json`);
    expect(added.sort()).toEqual([manifestBlob, link].sort());
    const second = await readManifest(join(repo, "backups/latest/latest"));
    const enc = (m: Manifest) => manifestFiles(m).filter((f) => f.plain);
    expect(enc(second)).toEqual(enc(manifest));
  });
});

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
    expect((await backup(oldKey.recipient)).code).toBe(0);
    await db.sql`UPDATE public.secrets SET body = body || '!' WHERE id = 1`;
    expect((await backup(oldKey.recipient)).code).toBe(0);
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

  it("an unchanged encrypted database costs at most 3 GitHub writes and no blob", async () => {
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
    const second = await h.backup([...args, "--quiet", "--json"]);
    expect(second.code, second.stderr).toBe(0);
    expect(h.gh.counts().writes).toBeLessThanOrEqual(3);
    const added = [...(await blobNames(h.bare(repo)))].filter((b) => !before.has(b));
    // The new manifest and the link to the new folder; every data file is the old ciphertext.
    expect(added).toHaveLength(2);
    expect(await leaked("", h.bare(repo))).toEqual([]);
  });
});
