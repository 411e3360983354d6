// The S3 adapter is its own subpath (`@tablesnap/storage/s3`): minio costs start-up time.
export type {
  ObjectRow,
  StorageBackupOptions,
  StorageBackupResult,
  StorageProgress,
} from "./backup.ts";
export { backupStorage } from "./backup.ts";
export type { StorageDrillOptions, StorageDrillReport } from "./drill.ts";
export { drillStorage } from "./drill.ts";
export { storageRecipients } from "./encrypted.ts";
export { StorageError, StoredFileMismatchError } from "./errors.ts";
export type { ObjectRecord } from "./listing.ts";
export {
  bucketFolder,
  contentPath,
  listingPath,
  parseListing,
  serializeListing,
} from "./listing.ts";
export { withStorageSection } from "./manifest.ts";
export { MemoryStorageSource } from "./memory-source.ts";
export { readListing } from "./read-listing.ts";
export type { BucketRestore, StorageRestoreOptions, StorageRestoreReport } from "./restore.ts";
export { restoreStorage } from "./restore.ts";
export type { ListedObject, ObjectHead, ObjectMeta, StorageSource } from "./source.ts";
export type { StorageVerifyOptions, StorageVerifyReport } from "./verify.ts";
export { verifyStorage } from "./verify.ts";
