import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createS3Client } from "../src/s3/s3-client.ts";

/** An S3 server for tests: the one named by `S3_ENDPOINT`, or an in-process s3rver. */
export interface S3TestServer {
  /** `http://host:port`, for `S3ArtifactStore`'s `endpoint`. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  /** True for the in-process s3rver: no AbortMultipartUpload, no ListMultipartUploads. */
  readonly local: boolean;
  /** Stops the in-process server and deletes its files; leaves an external one running. */
  close(): Promise<void>;
}

type Middleware = (ctx: ListContext, next: () => Promise<void>) => Promise<void>;
interface ListContext {
  query: Record<string, string | undefined>;
  body: unknown;
}
interface ListBucketResult {
  EncodingType?: string;
  Contents?: { Key: string }[];
  CommonPrefixes?: { Prefix: string }[];
}
/** The part of s3rver (a Koa app) that we use. */
interface S3rver {
  middleware: Middleware[];
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
}) => S3rver;

/**
 * Uses the server in `S3_ENDPOINT`/`S3_ACCESS_KEY`/`S3_SECRET_KEY` (and `S3_REGION`) when set,
 * else starts s3rver on a free loopback port over a temporary folder. Keep test objects under
 * 64 MiB: the `minio` client lists multipart uploads above that, which s3rver cannot.
 *
 * @example
 * const s3 = await startS3Server();
 * const bucket = testBucketName("dump");
 * afterAll(() => dropBucket(s3, bucket).then(() => s3.close()));
 */
export async function startS3Server(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { /** s3rver as released, without the listing fix below. */ stock?: boolean } = {},
): Promise<S3TestServer> {
  const endpoint = env["S3_ENDPOINT"];
  if (endpoint) {
    const accessKey = env["S3_ACCESS_KEY"];
    const secretKey = env["S3_SECRET_KEY"];
    if (!accessKey || !secretKey) {
      throw new Error("S3_ENDPOINT is set: set S3_ACCESS_KEY and S3_SECRET_KEY as well");
    }
    const region = env["S3_REGION"] || "us-east-1";
    return { endpoint, accessKey, secretKey, region, local: false, close: async () => {} };
  }
  const directory = await mkdtemp(join(tmpdir(), "tsnap-s3rver-"));
  // s3rver ships no types; this is the part of its API we use.
  const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  // Just before its router, so the listing is still an object, not yet XML.
  if (!options.stock) server.middleware.splice(server.middleware.length - 1, 0, encodeListedKeys);
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // s3rver's built-in account.
    accessKey: "S3RVER",
    secretKey: "S3RVER",
    region: "us-east-1",
    local: true,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver ignores `encoding-type=url` on listings, which the minio client always asks for and then
 * decodes: `%55sers` (core's folder name for `Users`) would come back as `Users`. Encode the keys
 * as S3 does.
 */
const encodeListedKeys: Middleware = async (ctx, next) => {
  await next();
  const result = (ctx.body as { ListBucketResult?: ListBucketResult } | null)?.ListBucketResult;
  if (ctx.query["encoding-type"] !== "url" || result === undefined) return;
  for (const c of result.Contents ?? []) c.Key = encodeURIComponent(c.Key);
  for (const p of result.CommonPrefixes ?? []) p.Prefix = encodeURIComponent(p.Prefix);
  result.EncodingType = "url";
};

/** A bucket name no other test run uses (S3 rules: lowercase, digits, `-`, 3–63 chars). */
export function testBucketName(label = "tsnap"): string {
  const clean = label
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 40);
  return `${clean}-${randomBytes(6).toString("hex")}`;
}

/**
 * Best effort: empties and deletes a test's bucket on an external server, so runs against a
 * shared one clean up (the in-process server's files go with `close()`).
 */
export async function dropBucket(server: S3TestServer, bucket: string): Promise<void> {
  if (server.local) return;
  const client = createS3Client(server);
  try {
    const keys: string[] = [];
    for await (const item of client.listObjectsV2(bucket, "", true)) {
      const name = (item as { name?: string }).name;
      if (name !== undefined) keys.push(name);
    }
    for (let i = 0; i < keys.length; i += 1000) {
      await client.removeObjects(bucket, keys.slice(i, i + 1000));
    }
    await client.removeBucket(bucket);
  } catch {
    // Left for the server's owner; the name is unique, so no other run trips on it.
  }
}
