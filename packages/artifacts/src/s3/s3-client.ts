import { UsageError } from "@tablesnap/core";
import { Client } from "minio";
import { checkArtifactPath } from "../path.ts";

export interface S3ArtifactStoreOptions {
  /** `http(s)://host[:port]` of any S3 API (MinIO, AWS S3, R2, Garage, SeaweedFS). */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  /** Where this store's files go in the bucket, e.g. `runs/<run id>/`; the bucket root if omitted. */
  readonly prefix?: string;
  /** Default `us-east-1`, which MinIO and s3rver accept. */
  readonly region?: string;
  /**
   * Bytes held per writer before a multipart upload starts, and the size of each part (at least
   * 5 MiB, S3's minimum). Files up to this size go up in one PUT. Default 8 MiB.
   */
  readonly partSize?: number;
}

/** The options without the secrets, checked: what a store keeps. */
export type S3Settings = Required<Omit<S3ArtifactStoreOptions, "accessKey" | "secretKey">>;

const MIN_PART = 5 << 20;

export function s3Settings(options: S3ArtifactStoreOptions): S3Settings {
  const partSize = options.partSize ?? 8 << 20;
  if (!Number.isInteger(partSize) || partSize < MIN_PART) {
    throw new UsageError(`S3 part size must be at least ${MIN_PART} bytes, got ${partSize}`);
  }
  return {
    endpoint: endpointUrl(options.endpoint).origin,
    bucket: options.bucket,
    prefix: normalizePrefix(options.prefix ?? ""),
    region: options.region ?? "us-east-1",
    partSize,
  };
}

/** A minio client for the endpoint, path-style, with minio's own retries off. */
export function createS3Client(
  options: Pick<S3ArtifactStoreOptions, "endpoint" | "accessKey" | "secretKey" | "region">,
): Client {
  const url = endpointUrl(options.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
    useSSL: url.protocol === "https:",
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region: options.region ?? "us-east-1",
    // MinIO, Garage and SeaweedFS want path-style requests; AWS S3 still takes them.
    pathStyle: true,
    // Retries belong to the caller, which sees `retriable` on every error (and minio's own
    // retry reports itself with console.warn).
    retryOptions: { disableRetry: true },
  });
}

function endpointUrl(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`S3 endpoint is not a URL: ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`S3 endpoint must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new UsageError("S3 endpoint must not carry credentials: use the access and secret keys");
  }
  return url;
}

/** `runs/1` and `runs/1/` both mean the folder `runs/1/`; "" is the bucket root. */
function normalizePrefix(prefix: string): string {
  const bare = prefix.replace(/\/+$/, "");
  return bare === "" ? "" : `${checkArtifactPath(bare)}/`;
}
