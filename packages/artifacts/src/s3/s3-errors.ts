import { messageOf } from "@tablesnap/core";
import { ArtifactNotFoundError, ArtifactStoreError } from "../errors.ts";

/** Node socket errors: the server is down, restarting or not reachable yet. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
]);

/** S3 error codes that mean "later": throttling and the server's own trouble. */
const RETRIABLE_S3_CODES = new Set([
  "InternalError",
  "ServiceUnavailable",
  "SlowDown",
  "RequestTimeout",
  "OperationAborted",
]);

/**
 * minio answers a 408, 429 or 5xx status without an error body with a plain Error whose message
 * carries the status (its own retries are switched off: the caller decides).
 */
const RETRYABLE_STATUS = /Retryable HTTP status: (\d{3})/;

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  return code === "NoSuchKey" || code === "NotFound";
}

export interface S3Where {
  readonly endpoint: string;
  readonly bucket: string;
  readonly key?: string;
}

/** Wraps what the minio client threw into an `ArtifactStoreError` saying what to do. */
export function s3Error(operation: string, cause: unknown, where: S3Where): ArtifactStoreError {
  if (cause instanceof ArtifactStoreError || cause instanceof ArtifactNotFoundError) return cause;
  const code = errorCode(cause);
  const status = RETRYABLE_STATUS.exec(messageOf(cause))?.[1];
  const target = `s3://${where.bucket}/${where.key ?? ""}`;
  const context = { operation, endpoint: where.endpoint, bucket: where.bucket, key: where.key };
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new ArtifactStoreError(
      `S3 ${operation} of ${target} failed: cannot reach ${where.endpoint} (${code}); retry when the object store is up`,
      { cause, retriable: true, context: { ...context, code } },
    );
  }
  if (status !== undefined || (code !== undefined && RETRIABLE_S3_CODES.has(code))) {
    const what = status !== undefined ? `HTTP ${status}` : code;
    return new ArtifactStoreError(
      `S3 ${operation} of ${target} failed: the server answered ${what}; retry later`,
      {
        cause,
        retriable: true,
        context: { ...context, code: code ?? null, status: status ?? null },
      },
    );
  }
  const hint =
    code === "NoSuchBucket"
      ? " (create the bucket, or call ensureBucket())"
      : code === "AccessDenied" || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch"
        ? " (check S3_ACCESS_KEY and S3_SECRET_KEY and the bucket's policy)"
        : "";
  return new ArtifactStoreError(
    `S3 ${operation} of ${target} failed: ${code ? `${code}: ` : ""}${messageOf(cause)}${hint}`,
    { cause, retriable: false, context: { ...context, code: code ?? null } },
  );
}
