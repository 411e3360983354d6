export type { ErrorContext, TablesnapErrorOptions } from "./errors.ts";
export type {
  FileEntry,
  Manifest,
  SchemaEntry,
  SequenceValue,
  StorageBucketEntry,
  StorageSection,
  TableEntry,
  Trigger,
} from "./manifest.ts";
