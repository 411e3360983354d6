export type { SequenceInfo, TableInfo } from "./catalog.ts";
export { setvalStatement } from "./catalog.ts";
export type { Sql, Target, Tx } from "./connect.ts";
export { connect, parseTarget } from "./connect.ts";
export type { TableCopier, TableOutcome, TableTask } from "./copier.ts";
export { isRefused, localCopier } from "./copier.ts";
export type { EngineRun } from "./engine.ts";
export { runEngine } from "./engine.ts";
export {
  ConnectionError,
  DumpAbortedError,
  DumpError,
  PgToolError,
  TableStalledError,
  TablesFailedError,
} from "./errors.ts";
export { DEFAULT_MAX_FILE_BYTES, runBackup } from "./run.ts";
export type { DumpEntry, ParsedDump } from "./schema/parse.ts";
export { parseDump } from "./schema/parse.ts";
export type { OpenSnapshot, SnapshotInfo } from "./snapshot.ts";
export { inSnapshot, openSnapshot } from "./snapshot.ts";
export type { StorageObjectRow } from "./storage-rows.ts";
export type { TableDataResult } from "./table-data.ts";
export { copyHeader, copyQuery, dumpTableData } from "./table-data.ts";
export type { BackupOptions, BackupProgress } from "./types.ts";
