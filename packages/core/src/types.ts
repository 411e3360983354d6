export type { ErrorContext, TablesnapErrorOptions } from "./errors.ts";
export type {
  FileEntry,
  Manifest,
  SchemaEntry,
  SequenceValue,
  TableEntry,
  Trigger,
} from "./manifest.ts";
