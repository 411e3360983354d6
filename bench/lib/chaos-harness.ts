/**
 * The end-to-end test harness (services/cli/test/e2e/harness.ts) and the S3 client, imported by
 * path at run time (bench/ has no node_modules; those files resolve their own dependencies),
 * typed by the few members the chaos benchmark uses.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./commands.ts";

export interface PrivateNats {
  readonly url: string;
  readonly port: number;
  logs: string;
  /** kill -9, waiting for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store, waiting until it listens. */
  start(): Promise<void>;
}

export interface CliGitHub {
  readonly gh: { readonly url: string };
  createRepo(name: string): Promise<string>;
  bare(fullName: string): string;
}

export interface S3TestServer {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  readonly local: boolean;
}

export interface Shared {
  readonly h: CliGitHub;
  readonly s3: S3TestServer;
  readonly nats: PrivateNats;
  close(): Promise<void>;
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  readonly sql: { unsafe(query: string): PromiseLike<unknown> };
  drop(): Promise<void>;
}

export interface Harness {
  readonly WEBHOOK_SECRET: string;
  readonly API_TOKEN: string;
  readonly TOKEN: string;
  startShared(): Promise<Shared>;
  createSource(name: string, bigRows?: number): Promise<ScratchDatabase>;
  pushPayload(fullName?: string): Record<string, unknown>;
  deleteStreams(natsUrl: string, prefix: string): Promise<void>;
  cloneCommits(bare: string): Promise<{ count: number; head: string }>;
}

export interface S3Client {
  listObjectsV2(bucket: string, prefix: string, recursive: boolean): AsyncIterable<unknown>;
}
interface S3ClientModule {
  createS3Client(o: {
    endpoint: string;
    accessKey: string;
    secretKey: string;
    region?: string;
  }): S3Client;
}

const importPath = async <T>(...parts: string[]): Promise<T> =>
  (await import(pathToFileURL(join(ROOT, ...parts)).href)) as T;

export function loadHarness(): Promise<Harness> {
  return importPath<Harness>("services", "cli", "test", "e2e", "harness.ts");
}

/** Every key in `bucket` under `prefix`; an absent bucket has none. */
export async function listKeys(s3: S3TestServer, bucket: string, prefix = ""): Promise<string[]> {
  const { createS3Client } = await importPath<S3ClientModule>(
    "packages",
    "artifacts",
    "src",
    "s3",
    "s3-client.ts",
  );
  const client = createS3Client(s3);
  const keys: string[] = [];
  try {
    for await (const item of client.listObjectsV2(bucket, prefix, true)) {
      const name = (item as { name?: unknown }).name;
      if (typeof name === "string") keys.push(name);
    }
  } catch (e) {
    if ((e as { code?: unknown }).code === "NoSuchBucket") return [];
    throw e;
  }
  return keys;
}
