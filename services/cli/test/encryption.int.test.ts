import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Manifest, manifestFiles } from "@tablesnap/core";
import {
  copyBackup,
  differencesFrom,
  readManifest,
  scratchDatabases,
  userObjects,
} from "@tablesnap/restore/testing";
import { adminUrl, loadHardCases } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobNames, decryptFile, leaked, MARKERS, newKey, run } from "./age.ts";
import { tablesnap } from "./cli.ts";

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

  it("an unchanged second backup commits nothing by default: no commit, no blob", async () => {
    const gitDir = join(repo, ".git");
    const before = await blobNames(gitDir);
    const head = async () =>
      (await run("git", ["--git-dir", gitDir, "rev-parse", "HEAD"])).stdout.trim();
    const headBefore = await head();
    const r = await tablesnap([
      ...["backup", "--database-url", source.url, "--repo", repo, "--json"],
      ...["--encrypt-to", keyA.recipient, "--encrypt", "public.*"],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).publish).toMatchObject({ unchanged: true });
    expect(await head()).toBe(headBefore);
    expect([...(await blobNames(gitDir))].filter((b) => !before.has(b))).toEqual([]);
  });

  it("--encrypt-schema and --role-passwords: schema.sql and the password hashes only as ciphertext", async () => {
    const role = `tsnap_encpw_${process.pid}`;
    await source.sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'marker-password-5e1f0c'`);
    try {
      const other = join(dir, "schema-repo");
      const r = await tablesnap([
        ...["backup", "--database-url", source.url, "--repo", other, "--quiet"],
        ...["--encrypt-to", keyA.recipient, "--encrypt", "public.customers"],
        ...["--encrypt-schema", "--role-passwords"],
      ]);
      expect(r.code, r.stderr).toBe(0);
      const m = await readManifest(join(other, "backups/latest/latest"));
      const paths = new Set(manifestFiles(m).map((f) => f.path));
      expect(paths.has("public/tables/customers/schema.sql.age")).toBe(true);
      expect(paths.has("public/tables/customers/schema.sql")).toBe(false);
      expect(paths.has("public/tables/measurements/schema.sql")).toBe(true);
      expect(m.roles.passwords).toBe(true);
      const everything = (
        await run(
          "git",
          ["--git-dir", join(other, ".git"), "cat-file", "--batch-all-objects", "--batch"],
          {
            maxBuffer: 1 << 30,
          },
        )
      ).stdout;
      expect(everything).not.toContain("SCRAM-SHA-256$");
      expect(everything).not.toContain("CREATE TABLE public.customers");
      const roles = await decryptFile(
        join(other, "backups/latest/latest/roles.sql.age"),
        keyA.file,
      );
      expect(roles).toMatch(new RegExp(`ALTER ROLE ${role} WITH .*PASSWORD 'SCRAM-SHA-256\\$`));
      const schema = await decryptFile(
        join(other, "backups/latest/latest/public/tables/customers/schema.sql.age"),
        keyA.file,
      );
      expect(schema).toContain("CREATE TABLE public.customers");
    } finally {
      await source.sql.unsafe(`DROP ROLE IF EXISTS ${role}`);
    }
  });

  it("an unchanged second backup committed anyway reuses every ciphertext: no new blob but its manifest", async () => {
    const gitDir = join(repo, ".git");
    const before = await blobNames(gitDir);
    const r = await tablesnap([
      ...["backup", "--database-url", source.url, "--repo", repo, "--quiet", "--json"],
      ...["--encrypt-to", keyA.recipient, "--encrypt", "public.*"],
      "--commit-unchanged", // by default an unchanged backup commits nothing at all
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
