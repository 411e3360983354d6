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
export { restoreBackup } from "./restore.ts";
export type * from "./types.ts";
export { verifyBackup } from "./verify.ts";
