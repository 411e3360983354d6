import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { describeArtifactStore } from "../../test/contract.ts";
import { dropBucket, type S3TestServer, startS3Server, testBucketName } from "../../test/s3rver.ts";
import type { S3ArtifactStoreOptions } from "./s3-client.ts";
import { S3ArtifactStore } from "./s3-store.ts";

let s3: S3TestServer | undefined;
const bucket = testBucketName("artifacts");
const extraBuckets: string[] = [];

function server(): S3TestServer {
  if (!s3) throw new Error("the S3 server did not start");
  return s3;
}

function storeAt(prefix: string, overrides: Partial<S3ArtifactStoreOptions> = {}) {
  const { endpoint, accessKey, secretKey, region } = server();
  return new S3ArtifactStore({
    ...{ endpoint, accessKey, secretKey, region, bucket, prefix },
    ...overrides,
  });
}

const runPrefix = () => `runs/${randomBytes(6).toString("hex")}/`;

beforeAll(async () => {
  s3 = await startS3Server();
  await storeAt("").ensureBucket();
});

afterAll(async () => {
  if (!s3) return;
  for (const b of [bucket, ...extraBuckets]) await dropBucket(s3, b);
  await s3.close();
});

describeArtifactStore("s3", async () => storeAt(runPrefix()));

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function put(store: S3ArtifactStore, path: string, text: string) {
  const w = await store.openWriter(path);
  await w.write(new TextEncoder().encode(text));
  return w.close();
}

describe("S3ArtifactStore", () => {
  it("creates its bucket when missing, also when several processes race", async () => {
    const other = testBucketName("ensure");
    extraBuckets.push(other);
    const store = storeAt("runs/1/", { bucket: other });
    expect(await store.client.bucketExists(other)).toBe(false);
    await expect(put(store, "a.sql", "x")).rejects.toMatchObject({
      retriable: false,
      message: expect.stringMatching(/NoSuchBucket.*ensureBucket/),
    });
    await Promise.all([store.ensureBucket(), store.ensureBucket(), store.ensureBucket()]);
    await store.ensureBucket();
    expect(await store.client.bucketExists(other)).toBe(true);
    await put(store, "a.sql", "x");
    expect(await store.list()).toEqual(["a.sql"]);
  });

  it("stores each file's sha256 as x-amz-meta-sha256", async () => {
    const store = storeAt(runPrefix());
    const entry = await put(store, "public/tables/t/data.sql", "COPY t FROM stdin;\n");
    const head = await store.client.statObject(bucket, `${store.prefix}public/tables/t/data.sql`);
    expect(head.metaData["sha256"]).toBe(entry.sha256);
    expect(await store.stat("public/tables/t/data.sql")).toEqual(entry);
  });

  it("leaves no object behind an aborted writer, before or after its upload began", async () => {
    const prefix = runPrefix();
    const store = storeAt(prefix, { partSize: 5 << 20 });
    const small = await store.openWriter("small.sql");
    await small.write(new Uint8Array(1000));
    await small.abort();
    const big = await store.openWriter("big.sql");
    for (let i = 0; i < 12; i++) await big.write(randomBytes(1 << 20)); // two parts sent
    await big.abort();
    await expect(big.close()).rejects.toThrow(/aborted/);
    expect(await store.list()).toEqual([]);
    const raw: string[] = [];
    for await (const o of store.client.listObjectsV2(bucket, prefix, true))
      raw.push(String(o.name));
    expect(raw).toEqual([]);
    await expect(store.stat("big.sql")).rejects.toThrow(/artifact not found: big.sql/);
  });

  it("streams a 20 MB file up in parts and back, with its sha256", async () => {
    const store = storeAt(runPrefix());
    const path = "public/tables/%55sers/data.sql"; // `%` as core's folder names have it
    let written = 0;
    const sentAt: number[] = [];
    const send = store.client.uploadPart.bind(store.client);
    vi.spyOn(store.client, "uploadPart").mockImplementation((part, payload) => {
      sentAt.push(written);
      return send(part, payload);
    });
    const hash = createHash("sha256");
    const w = await store.openWriter(path);
    while (written < 20_000_000) {
      const chunk = randomBytes(Math.min(256 << 10, 20_000_000 - written));
      hash.update(chunk);
      await w.write(chunk);
      written += chunk.length;
    }
    const entry = await w.close();
    const sha256 = hash.digest("hex");
    expect(entry).toEqual({ path, bytes: 20_000_000, sha256 });
    // 8 MiB parts: the first went out long before the writer had the whole file.
    expect(sentAt).toHaveLength(3);
    expect(sentAt[0]).toBeLessThan(17 << 20);
    expect(await store.stat(path)).toEqual(entry);
    const back = createHash("sha256");
    let bytes = 0;
    let chunks = 0;
    for await (const c of store.read(path)) {
      back.update(c);
      bytes += c.byteLength;
      chunks++;
    }
    expect({ bytes, sha256: back.digest("hex") }).toEqual({ bytes: 20_000_000, sha256 });
    expect(chunks).toBeGreaterThan(1);
    expect(await store.list()).toEqual([path]); // the staging object is gone
  });

  it("keeps runs apart: list and remove stay inside the store's prefix", async () => {
    const a = storeAt(runPrefix());
    const b = a.forPrefix(runPrefix());
    await put(a, "x/1.sql", "a");
    await put(b, "x/1.sql", "b");
    await a.remove("x");
    expect(await a.list()).toEqual([]);
    expect(await b.list()).toEqual(["x/1.sql"]);
  });

  it("reports an unreachable endpoint as a retriable error that names it", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = storeAt("runs/1/", { endpoint });
    const unreachable = {
      name: "ArtifactStoreError",
      code: "artifact_store_unavailable",
      retriable: true,
      message: expect.stringContaining(`cannot reach ${endpoint} (ECONNREFUSED)`),
    };
    await expect(store.ensureBucket()).rejects.toMatchObject(unreachable);
    await expect(put(store, "a.sql", "x")).rejects.toMatchObject(unreachable);
    await expect(store.list()).rejects.toMatchObject(unreachable);
    await expect(store.read("a.sql")[Symbol.asyncIterator]().next()).rejects.toMatchObject(
      unreachable,
    );
  });

  it("reports a 5xx answer as retriable and refused credentials as not", async () => {
    const failing = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = failing.address() as AddressInfo;
      const store = storeAt("runs/1/", { endpoint: `http://127.0.0.1:${port}` });
      await expect(store.list()).rejects.toMatchObject({
        retriable: true,
        message: expect.stringContaining("answered HTTP 503"),
      });
    } finally {
      failing.closeAllConnections();
      await new Promise((resolve) => failing.close(resolve));
    }
    const refused = storeAt(runPrefix(), { accessKey: "not-a-key" });
    await expect(refused.list()).rejects.toMatchObject({
      code: "artifact_store_failed",
      retriable: false,
      message: expect.stringContaining("check S3_ACCESS_KEY and S3_SECRET_KEY"),
    });
  });
});
