import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryArtifactStore } from "@tablesnap/artifacts";
import { NO_IDENTITIES } from "@tablesnap/encryption";
import { beforeEach, describe, expect, it } from "vitest";
import { backupStorage } from "./backup.ts";
import { drillStorage } from "./drill.ts";
import { parseListing } from "./listing.ts";
import { MemoryStorageSource } from "./memory-source.ts";
import { restoreStorage, type StorageRestoreOptions } from "./restore.ts";
import type { StorageSource } from "./source.ts";
import { verifyStorage } from "./verify.ts";

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks);
}

const SNAPSHOT = "2030-01-01T00:00:00.000Z";

describe("Storage files: backup, restore, verify (in memory)", () => {
  let source: MemoryStorageSource;
  let files: MemoryArtifactStore;
  let work: string;

  beforeEach(async () => {
    source = new MemoryStorageSource();
    files = new MemoryArtifactStore();
    work = await mkdtemp(join(tmpdir(), "tsnap-storage-unit-"));
    source.put("avatars", "a b/ü.png", "pixels", {
      contentType: "image/png",
      cacheControl: "max-age=3600",
      metadata: { owner: "ann" },
    });
    source.put("avatars", "x/../y", "dots");
    source.put("docs", "same.txt", "pixels");
  });

  const backup = (rows = [{ id: "r1", bucket_id: "avatars", name: "a b/ü.png" }]) => {
    const into = new MemoryArtifactStore();
    const run = backupStorage({
      source,
      files,
      backup: into,
      buckets: "all",
      snapshotTime: SNAPSHOT,
      rows,
      workDir: work,
      jobs: 2,
      signal: new AbortController().signal,
    });
    return run.then((r) => ({ ...r, into }));
  };

  /** A restore of `from`'s files into `target`: every bucket, one at a time, unless `extra` says. */
  const restore = (
    from: Awaited<ReturnType<typeof backup>>,
    target: StorageSource,
    extra: Partial<StorageRestoreOptions> = {},
  ) =>
    restoreStorage({
      section: from.section,
      read: (p) => from.into.read(p),
      files,
      identities: NO_IDENTITIES,
      target,
      buckets: [],
      prefix: "",
      mirror: false,
      dryRun: false,
      rows: undefined,
      workDir: work,
      jobs: 1,
      signal: new AbortController().signal,
      ...extra,
    });

  it("keeps each content once, lists every object with its metadata and row, and restores it", async () => {
    const first = await backup([
      { id: "r1", bucket_id: "avatars", name: "a b/ü.png" },
      { id: "r9", bucket_id: "avatars", name: "gone.png" },
    ]);
    expect(first.read).toBe(3);
    expect(first.copied).toBe(2); // "pixels" twice is one file
    const [avatars] = first.section.buckets;
    expect(avatars).toMatchObject({ name: "avatars", objects: 2, files_without_row: 1 });
    expect(avatars?.rows_without_file).toEqual(["gone.png"]);
    const text = await bytesOf(first.into.read("storage/buckets/avatars/objects.jsonl"));
    const records = parseListing(text.toString(), "t");
    expect(records.map((r) => [r.key, r.row_id, r.content_type, r.metadata])).toEqual([
      ["a b/ü.png", "r1", "image/png", { owner: "ann" }],
      ["x/../y", null, "application/octet-stream", {}],
    ]);

    const target = new MemoryStorageSource();
    const report = await restore(first, target, { jobs: 2 });
    expect(report.buckets.map((b) => [b.name, b.put, b.same])).toEqual([
      ["avatars", 2, 0],
      ["docs", 1, 0],
    ]);
    expect(report.rowsWithoutFile).toEqual(["avatars/gone.png"]);
    const head = await target.head("avatars", "a b/ü.png");
    expect(head).toMatchObject({
      contentType: "image/png",
      cacheControl: "max-age=3600",
      metadata: { owner: "ann" },
    });
  });

  it("reads nothing again for an unchanged bucket, and one object for one changed file", async () => {
    const first = await backup();
    const second = await backup();
    expect(second).toMatchObject({ read: 0, copied: 0, unchanged: 3 });
    const a = await bytesOf(first.into.read("storage/buckets/avatars/objects.jsonl"));
    const b = await bytesOf(second.into.read("storage/buckets/avatars/objects.jsonl"));
    expect(b.equals(a)).toBe(true);
    source.put("docs", "same.txt", "changed");
    const third = await backup();
    expect(third).toMatchObject({ read: 1, copied: 1, unchanged: 2 });
  });

  it("sees metadata changed without new bytes: the object is read again, nothing new is stored", async () => {
    await backup();
    source.put("avatars", "a b/ü.png", "pixels", {
      contentType: "image/webp",
      metadata: { owner: "bob" },
    });
    const again = await backup();
    expect(again).toMatchObject({ read: 1, copied: 0, unchanged: 2 });
    const text = await bytesOf(again.into.read("storage/buckets/avatars/objects.jsonl"));
    const avatar = parseListing(text.toString(), "t").find((r) => r.key === "a b/ü.png");
    expect(avatar).toMatchObject({ content_type: "image/webp", metadata: { owner: "bob" } });
  });

  it("drills a sample into a scratch bucket, reads it back, and removes the bucket", async () => {
    const first = await backup();
    const target = new MemoryStorageSource();
    const r = await drillStorage({
      section: first.section,
      read: (p) => first.into.read(p),
      files,
      identities: NO_IDENTITIES,
      target,
      sample: 2,
      workDir: work,
    });
    expect(r).toMatchObject({ objects: 3, checked: 2, problems: [] });
    expect(await target.listBuckets()).toEqual([]);
  });

  it("leaves out an object listed but gone when read, and stores bytes read twice at once only once", async () => {
    /** Lists one object more than it holds, as Supabase lists a row whose file is lost. */
    class Phantom extends MemoryStorageSource {
      override async *listObjects(bucket: string, prefix = "") {
        yield* super.listObjects(bucket, prefix);
        if (bucket === "docs")
          yield { key: "lost.txt", size: 4, etag: "e", lastModified: new Date(SNAPSHOT) };
      }
    }
    source = new Phantom();
    source.put("docs", "one.txt", "twin");
    source.put("docs", "two.txt", "twin");
    const r = await backup([]);
    expect(r).toMatchObject({ read: 2, copied: 1, gone: 1 });
    expect(r.section.buckets[0]).toMatchObject({ objects: 2, gone_during_backup: 1 });
    expect(r.section.consistency).toMatch(/1 listed object\(s\) were gone when read/);
  });

  it("puts back an object whose bytes are equal but whose metadata is not, and one listed without its file", async () => {
    const first = await backup();
    /** Lists x/../y (4 bytes, as the backup has it) without holding it: a row without a file. */
    class RowsOnly extends MemoryStorageSource {
      override async *listObjects(bucket: string, prefix = "") {
        yield* super.listObjects(bucket, prefix);
        if (bucket === "avatars")
          yield { key: "x/../y", size: 4, etag: "e", lastModified: new Date(SNAPSHOT) };
      }
    }
    const target = new RowsOnly();
    target.put("avatars", "a b/ü.png", "pixels", { contentType: "text/plain" });
    const r = await restore(first, target, { buckets: ["avatars"] });
    expect(r.buckets[0]).toMatchObject({ put: 2, same: 0 });
    expect(await target.head("avatars", "a b/ü.png")).toMatchObject({ contentType: "image/png" });
    expect(await target.head("avatars", "x/../y")).toMatchObject({ size: 4 });
  });

  it("stops a read whose body hangs as soon as it is asked to (an interrupt, the run's deadline)", async () => {
    class Hanging extends MemoryStorageSource {
      protected override async *body(): AsyncIterable<Uint8Array> {
        yield Buffer.from("start");
        await new Promise(() => {}); // the rest never comes
      }
    }
    source = new Hanging();
    source.put("docs", "big.bin", "never whole");
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error("the run passed its time limit")), 100);
    const started = Date.now();
    const run = backupStorage({
      source,
      files,
      backup: new MemoryArtifactStore(),
      buckets: "all",
      snapshotTime: SNAPSHOT,
      rows: undefined,
      workDir: work,
      jobs: 1,
      signal: stop.signal,
    });
    await expect(run).rejects.toThrow(
      /GET of docs\/big\.bin stopped: the run passed its time limit/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("catches a tampered stored file in verify and refuses to restore it", async () => {
    const first = await backup();
    const victim = (await files.list("sha256"))[0] ?? "";
    const w = await files.openWriter(victim);
    await w.write(Buffer.from("evil"));
    await w.close();
    const v = await verifyStorage({
      section: first.section,
      read: (p) => first.into.read(p),
      files,
      identities: NO_IDENTITIES,
    });
    expect(v.problems.length).toBeGreaterThan(0);
    expect(v.problems[0]).toMatch(/stored file has sha256/);
    const run = restore(first, new MemoryStorageSource());
    await expect(run).rejects.toThrow(/the file store was changed or damaged/);
  });

  it("mirrors: a dry run names the extra objects and changes nothing; the real one deletes them", async () => {
    const first = await backup();
    const target = new MemoryStorageSource();
    target.put("docs", "extra.txt", "not in the backup");
    const opts = { buckets: ["docs"], mirror: true };
    const dry = await restore(first, target, { ...opts, dryRun: true });
    expect(dry.buckets[0]).toMatchObject({ put: 1, deleted: ["extra.txt"] });
    expect(await target.head("docs", "extra.txt")).toBeDefined();
    expect(await target.head("docs", "same.txt")).toBeUndefined();
    await restore(first, target, opts);
    expect(await target.head("docs", "extra.txt")).toBeUndefined();
    const again = await restore(first, target, opts);
    expect(again.buckets[0]).toMatchObject({ put: 0, same: 1, deleted: [] });
  });
});
