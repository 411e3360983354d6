import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import type { Manifest } from "@tablesnap/core";
import { type ObjectRecord, parseListing } from "@tablesnap/storage";
import { S3StorageSource } from "@tablesnap/storage/s3";
import {
  clientOn,
  psql,
  SUPABASE_APP_SQL,
  type SupabaseCluster,
  startSupabaseCluster,
} from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newKey } from "./age.ts";
import { git, tablesnap } from "./cli.ts";

/** Keys as users name files: spaces, unicode, slashes, dots, characters URLs escape. */
const DOCS: Record<string, string> = {
  "My Folder/réport 2026.pdf": "%PDF report",
  "notes/..hidden": "dot dot",
  "v1..v2/change log.txt": "changes",
  "日本語/ファイル.txt": "こんにちは",
  "x?y#z&+=.txt": "query-ish",
  "deep/a/b/c/d.txt": "deep",
};

function source(s3: S3TestServer): S3StorageSource {
  return new S3StorageSource({
    endpoint: s3.endpoint,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
  });
}

async function put(s: S3StorageSource, bucket: string, key: string, body: string, meta = {}) {
  const b = Buffer.from(body);
  await s.write(
    bucket,
    key,
    (async function* () {
      yield b;
    })(),
    b.length,
    {
      contentType: "text/plain",
      cacheControl: null,
      metadata: {},
      ...meta,
    },
  );
}

/** Every object of every bucket: key, bytes, content type, cache control and user metadata. */
async function contents(s: S3StorageSource, buckets: readonly string[]) {
  const out: Record<string, unknown> = {};
  for (const b of buckets)
    for await (const o of s.listObjects(b)) {
      const h = await s.head(b, o.key);
      const chunks: Uint8Array[] = [];
      for await (const c of s.read(b, o.key)) chunks.push(c);
      out[`${b}/${o.key}`] = [
        Buffer.concat(chunks).toString(),
        h?.contentType,
        h?.cacheControl,
        h?.metadata,
      ];
    }
  return out;
}

describe("Supabase Storage files: a project from the fixture, its Storage played by s3rver", () => {
  let c: SupabaseCluster;
  let from: S3TestServer;
  let to: S3TestServer;
  let work: string;
  let repo: string;
  let store: string;
  let url: string;
  const BUCKETS = ["avatars", "docs", "media"];
  const env = (s3: S3TestServer) => ({
    STORAGE_S3_ACCESS_KEY: s3.accessKey,
    STORAGE_S3_SECRET_KEY: s3.secretKey,
  });

  beforeAll(async () => {
    [c, from, to] = await Promise.all([startSupabaseCluster(), startS3Server(), startS3Server()]);
    work = await mkdtemp(join(tmpdir(), "tsnap-files-"));
    repo = join(work, "repo");
    store = join(work, "files");
    url = await c.newProject("files_source");
    await psql(url, { file: SUPABASE_APP_SQL });
    // Rows as Storage writes them, for every file below but one (docs' "deep/a/b/c/d.txt"). The
    // app's avatars bucket has five rows; one of them gets no file.
    const sql = clientOn(c, "files_source", "supabase_storage_admin");
    try {
      await sql`insert into storage.buckets (id, name) values ('docs', 'docs'), ('media', 'media')`;
      for (const key of Object.keys(DOCS).filter((k) => k !== "deep/a/b/c/d.txt"))
        await sql`insert into storage.objects (bucket_id, name) values ('docs', ${key})`;
      await sql`insert into storage.objects (bucket_id, name) values ('media', 'clip one.bin')`;
      const avatars = await sql<{ name: string }[]>`
        select name from storage.objects where bucket_id = 'avatars' order by name`;
      const s = source(from);
      for (const b of BUCKETS) await s.ensureBucket(b);
      for (const { name } of avatars.slice(0, 4))
        await put(s, "avatars", name, `png of ${name}`, {
          contentType: "image/png",
          cacheControl: "max-age=3600",
          metadata: { owner: name.split("/")[0] },
        });
      for (const [k, v] of Object.entries(DOCS)) await put(s, "docs", k, v);
      await put(s, "media", "clip one.bin", DOCS["deep/a/b/c/d.txt"] ?? "");
    } finally {
      await sql.end();
    }
  }, 180_000);
  afterAll(async () => {
    await Promise.all([c?.stop(), from?.close(), to?.close()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const backup = (...extra: string[]) =>
    tablesnap(
      [
        "backup",
        "--database-url",
        url,
        "--repo",
        repo,
        "--storage-endpoint",
        from.endpoint,
        "--storage-to",
        store,
        "--json",
        "--quiet",
        ...extra,
      ],
      env(from),
    );
  const manifest = async (): Promise<Manifest> => {
    const folder = await git(repo, "show", "HEAD:backups/latest/latest");
    return JSON.parse(await git(repo, "show", `HEAD:backups/latest/${folder}/manifest.json`));
  };
  const listing = async (bucket: string): Promise<ObjectRecord[]> => {
    const folder = await git(repo, "show", "HEAD:backups/latest/latest");
    return parseListing(
      await git(
        repo,
        "show",
        `HEAD:backups/latest/${folder}/storage/buckets/${bucket}/objects.jsonl`,
      ),
      bucket,
    );
  };

  it("keeps every file once outside git, lists each with its metadata and row, and says where rows and files disagree", async () => {
    const r = await backup();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.storage).toMatchObject({ objects: 11, read: 11, unchanged: 0 });
    const m = await manifest();
    expect(
      m.storage?.buckets.map((b) => [
        b.name,
        b.objects,
        b.files_without_row,
        b.rows_without_file_count,
      ]),
    ).toEqual([
      ["avatars", 4, 0, 1],
      ["docs", 6, 1, 0],
      ["media", 1, 0, 0],
    ]);
    expect(m.storage?.consistency).toMatch(/after the database snapshot of/);
    const docs = await listing("docs");
    expect(docs.map((d) => d.key)).toEqual(Object.keys(DOCS).sort());
    expect(docs.find((d) => d.key === "deep/a/b/c/d.txt")?.row_id).toBeNull();
    const avatars = await listing("avatars");
    expect(avatars[0]).toMatchObject({ content_type: "image/png", cache_control: "max-age=3600" });
    expect(avatars[0]?.row_id).toMatch(/^20000000-/);
    // No file's bytes are in git: only the listings.
    const tree = await git(repo, "ls-tree", "-r", "--name-only", "HEAD");
    const bucketFiles = tree.split("\n").filter((p) => p.includes("/storage/buckets/"));
    expect(bucketFiles.map((p) => p.split("/storage/buckets/")[1])).toEqual([
      "avatars/objects.jsonl",
      "docs/objects.jsonl",
      "media/objects.jsonl",
    ]);
    expect(await git(repo, "grep", "-c", "%PDF report", "HEAD").catch(() => "none")).toBe("none");
    // Kept once by content: media's clip has the bytes of docs' deep file.
    const kept = (await readdir(join(store, "sha256"), { recursive: true })).filter((p) =>
      /[0-9a-f]{64}$/.test(p),
    );
    expect(kept).toHaveLength(10);
    expect(out.storage.copied).toBe(10);
    const v = await tablesnap(["verify", "--repo", repo, "--storage-from", store]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toMatch(/storage: 11 of 11 file\(s\) re-hashed/);
  });

  it("reads nothing for an unchanged second backup, and one file when one changed", async () => {
    const again = await backup();
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout);
    expect(out.storage).toMatchObject({ objects: 11, read: 0, copied: 0, unchanged: 11 });
    expect(out.publish.unchanged).toBe(true);
    await put(source(from), "docs", "notes/..hidden", "dot dot, edited");
    const one = await backup();
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).storage).toMatchObject({ read: 1, copied: 1, unchanged: 10 });
    expect((await listing("docs")).find((d) => d.key === "notes/..hidden")?.size).toBe(15);
  });

  it("restores the project and its files into a new one: files and metadata equal, rows and files agree but for what the source lacked", async () => {
    const target = await c.newProject("files_target");
    const r = await tablesnap(
      [
        "restore",
        "--repo",
        repo,
        "--database-url",
        target,
        "--storage",
        "--storage-from",
        store,
        "--storage-endpoint",
        to.endpoint,
        "--json",
        "--quiet",
      ],
      env(to),
    );
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.database.whole).toBe(true);
    expect(report.storage.buckets.map((b: { put: number }) => b.put)).toEqual([4, 6, 1]);
    expect(report.storage).toMatchObject({
      rowsFrom: "target database",
      rowsWithoutFileCount: 1,
      filesWithoutRow: ["docs/deep/a/b/c/d.txt"],
    });
    expect(await contents(source(to), BUCKETS)).toEqual(await contents(source(from), BUCKETS));
  });

  it("mirrors into a bucket with extra files: named in a dry run first, then deleted; equal files are left alone", async () => {
    const t = source(to);
    await put(t, "docs", "stray/extra one.txt", "not in the backup");
    const args = [
      "restore",
      "--repo",
      repo,
      "--storage",
      "--storage-from",
      store,
      "--storage-endpoint",
      to.endpoint,
      "--bucket",
      "docs",
      "--mirror",
    ];
    const dry = await tablesnap([...args, "--dry-run"], env(to));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain("would delete docs/stray/extra one.txt");
    expect(await t.head("docs", "stray/extra one.txt")).toBeDefined();
    const real = await tablesnap(args, env(to));
    expect(real.code, real.stderr).toBe(0);
    expect(real.stderr).toMatch(
      /storage docs: put 0 file\(s\) \(0 B\), 6 already equal, deleted 1/,
    );
    expect(await t.head("docs", "stray/extra one.txt")).toBeUndefined();
  });

  it("drills: the database into a scratch database, a sample of the files into a scratch bucket, both removed after", async () => {
    const r = await tablesnap(
      [
        "drill",
        "--repo",
        repo,
        "--scratch-url",
        c.url("postgres"),
        "--scratch-template",
        "supabase_platform",
        "--storage-from",
        store,
        "--storage-endpoint",
        to.endpoint,
        "--storage-sample",
        "5",
        "--json",
        "--quiet",
      ],
      env(to),
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.storage).toMatchObject({ objects: 11, checked: 5, problems: [] });
    const buckets = await source(to).listBuckets();
    expect(buckets.filter((b) => b.startsWith("tablesnap-drill-"))).toEqual([]);
  });

  it("catches a tampered stored file: verify names it, a restore refuses it and writes nothing for it", async () => {
    const docs = await listing("docs");
    const victim = docs.find((d) => d.key === "日本語/ファイル.txt");
    if (!victim) throw new Error("no victim");
    const path = join(store, "sha256", victim.sha256.slice(0, 2), victim.sha256);
    expect(await readFile(path, "utf8")).toBe("こんにちは");
    await writeFile(path, "tampered");
    const v = await tablesnap(["verify", "--repo", repo, "--storage-from", store]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain("storage docs/日本語/ファイル.txt: stored file has sha256");
    const t = source(to);
    await t.remove("docs", ["日本語/ファイル.txt"]);
    const r = await tablesnap(
      [
        "restore",
        "--repo",
        repo,
        "--storage",
        "--storage-from",
        store,
        "--storage-endpoint",
        to.endpoint,
        "--prefix",
        "日本語/",
      ],
      env(to),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the file store was changed or damaged/);
    expect(await t.head("docs", "日本語/ファイル.txt")).toBeUndefined();
  });

  it("encrypts the stored files and the listings when storage.objects is encrypted; restores them with the identity", async () => {
    const key = await newKey(work, "files");
    const encRepo = join(work, "enc-repo");
    const encStore = join(work, "enc-files");
    const b = await tablesnap(
      [
        "backup",
        "--database-url",
        url,
        "--repo",
        encRepo,
        "--storage-endpoint",
        from.endpoint,
        "--storage-to",
        encStore,
        "--storage-bucket",
        "docs",
        "--encrypt-to",
        key.recipient,
        "--encrypt",
        "storage.*",
        "--quiet",
      ],
      env(from),
    );
    expect(b.code, b.stderr).toBe(0);
    const stored = (await readdir(join(encStore, "sha256"), { recursive: true })).filter((p) =>
      p.endsWith(".age"),
    );
    expect(stored).toHaveLength(6);
    for (const p of stored)
      expect(
        (await readFile(join(encStore, "sha256", p))).includes(Buffer.from("%PDF report")),
      ).toBe(false);
    const tree = await git(encRepo, "ls-tree", "-r", "--name-only", "HEAD");
    expect(tree).toMatch(/storage\/buckets\/docs\/objects\.jsonl\.age/);
    expect(tree).not.toMatch(/objects\.jsonl\n/);
    expect(await git(encRepo, "grep", "-c", "réport", "HEAD").catch(() => "none")).toBe("none");

    const blind = await tablesnap(["verify", "--repo", encRepo, "--storage-from", encStore]);
    expect(blind.code, blind.stdout + blind.stderr).toBe(0);
    expect(blind.stderr).toMatch(
      /storage: 0 of 6 file\(s\) re-hashed, 0 bytes, 6 encrypted file\(s\) not opened/,
    );
    const v = await tablesnap([
      "verify",
      "--repo",
      encRepo,
      "--storage-from",
      encStore,
      "--identity",
      key.file,
    ]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stderr).toMatch(/storage: 6 of 6 file\(s\) re-hashed/);

    const dest = await startS3Server();
    try {
      const r = await tablesnap(
        [
          "restore",
          "--repo",
          encRepo,
          "--storage",
          "--storage-from",
          encStore,
          "--storage-endpoint",
          dest.endpoint,
          "--identity",
          key.file,
          "--quiet",
        ],
        env(dest),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(await contents(source(dest), ["docs"])).toEqual(
        await contents(source(from), ["docs"]),
      );
    } finally {
      await dest.close();
    }
  });
});
