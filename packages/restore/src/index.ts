export { plainView } from "./decrypt.ts";
export type { BackupDiff, DiffSide, TableDiff } from "./diff/diff.ts";
export { diffBackups } from "./diff/diff.ts";
export type { DrillOptions, DrillReport, DrillTable } from "./drill.ts";
export { runDrill } from "./drill.ts";
export {
  BackupIntegrityError,
  DrillError,
  ForeignKeyError,
  RestoreAbortedError,
  RestoreSqlError,
  ScriptError,
  TargetError,
} from "./errors.ts";
export { readAll, readManifest } from "./read.ts";
export { restoreBackup } from "./restore.ts";
export type * from "./types.ts";
export { verifyBackup } from "./verify.ts";
