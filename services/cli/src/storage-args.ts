import { resolve } from "node:path";
import { UsageError } from "@tablesnap/core";

/** The flags that name a project's Storage; they share one parseArgs with the rest. */
export const STORAGE_ENDPOINT_OPTIONS = {
  "storage-endpoint": { type: "string" },
  "storage-region": { type: "string" },
} as const;

/** A Storage S3 endpoint and its keys (from STORAGE_S3_ACCESS_KEY / STORAGE_S3_SECRET_KEY). */
export interface StorageEndpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

/** `--storage-endpoint` with its keys; undefined when the flag is not given. */
export function storageEndpointOf(
  values: { "storage-endpoint"?: string | undefined; "storage-region"?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): StorageEndpoint | undefined {
  const endpoint = values["storage-endpoint"];
  if (endpoint === undefined) {
    if (values["storage-region"] !== undefined)
      throw new UsageError("--storage-region needs --storage-endpoint");
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(
      `--storage-endpoint is not a URL: ${JSON.stringify(endpoint)} (Supabase: https://<ref>.supabase.co/storage/v1/s3)`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`--storage-endpoint must be http:// or https://, got ${url.protocol}`);
  if (url.username || url.password || url.search)
    throw new UsageError(
      "--storage-endpoint takes no credentials or query: set STORAGE_S3_ACCESS_KEY and STORAGE_S3_SECRET_KEY",
    );
  const accessKey = env["STORAGE_S3_ACCESS_KEY"];
  const secretKey = env["STORAGE_S3_SECRET_KEY"];
  if (!accessKey || !secretKey)
    throw new UsageError(
      "--storage-endpoint needs STORAGE_S3_ACCESS_KEY and STORAGE_S3_SECRET_KEY (Supabase: Project Settings → Storage → S3 access keys)",
    );
  return { endpoint, region: values["storage-region"] ?? "us-east-1", accessKey, secretKey };
}

/** The file store folder of `--storage-to` / `--storage-from`, absolute. */
export function storeDirOf(dir: string | undefined, flag: string): string | undefined {
  if (dir === undefined) return undefined;
  if (dir.trim() === "") throw new UsageError(`${flag} needs a folder`);
  return resolve(dir);
}

/** `--storage-sample N`: how many files to check, a whole number, 1 or more. */
export function storageSampleOf(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1)
    throw new UsageError(
      `--storage-sample must be a whole number of files, 1 or more (got ${JSON.stringify(raw)})`,
    );
  return n;
}
