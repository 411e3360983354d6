import { messageOf, TablesnapError } from "@tablesnap/core";

/** A Storage endpoint or the file store failed, or did not answer in time. */
export class StorageError extends TablesnapError {
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super("storage", message, options);
  }
}

/** An object listed a moment ago is not there anymore (deleted while the backup read). */
export class ObjectGoneError extends TablesnapError {
  constructor(bucket: string, key: string) {
    super("storage_object_gone", `Storage object ${bucket}/${key} is gone`, {
      context: { bucket, key },
    });
  }
}

/** A stored file's bytes are not the ones the listing names: tampered with, or damaged. */
export class StoredFileMismatchError extends TablesnapError {
  constructor(bucket: string, key: string, want: string, got: string) {
    super(
      "storage_mismatch",
      `stored file for ${bucket}/${key} has sha256 ${got}, the backup lists ${want}: the file store was changed or damaged`,
      { context: { bucket, key, want, got } },
    );
  }
}

/** One line for a failed S3 call: what, where, and the server's code. */
export function storageFailure(operation: string, where: string, cause: unknown): StorageError {
  if (cause instanceof TablesnapError) return cause as StorageError;
  const code = (cause as { code?: unknown } | null)?.code;
  const hint =
    code === "AccessDenied" || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch"
      ? " (check STORAGE_S3_ACCESS_KEY, STORAGE_S3_SECRET_KEY and --storage-region)"
      : "";
  return new StorageError(
    `Storage ${operation} of ${where} failed: ${typeof code === "string" ? `${code}: ` : ""}${messageOf(cause)}${hint}`,
    { cause, retriable: typeof code !== "string" },
  );
}
