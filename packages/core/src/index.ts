export { archiveFolderName, folderTime, latestFolderName } from "./archive-name.ts";
export type { Section } from "./backup-format.ts";
export {
  archivePartPath,
  DATABASE_FILE,
  dataPartNumber,
  dataPartPath,
  ENCRYPTED_SUFFIX,
  encryptedPath,
  isArchivePart,
  isSchemaFile,
  MANIFEST_FILE,
  numberedPath,
  plainPath,
  ROLES_FILE,
  SECTION_MARKER,
  schemaFile,
  schemaFolder,
  sectionOfMarker,
  sequencesFile,
  TABLES_PER_FOLDER,
  TOC_FILE,
  tableFolder,
} from "./backup-format.ts";
export type { BackupChanges, TableChange } from "./changes.ts";
export { backupChanges, changesLine, sameContent, tableFilesChanged } from "./changes.ts";
export { messageOf, TablesnapError, UsageError } from "./errors.ts";
export { formatBytes, formatDuration } from "./format.ts";
export type { Logger } from "./logger.ts";
export { jsonLogger, silentLogger } from "./logger.ts";
export {
  MANIFEST_FORMAT,
  manifestFiles,
  manifestSchema,
  mapManifestFiles,
  parseManifest,
  plainBytes,
  serializeManifest,
} from "./manifest.ts";
export { fromFolderName, safeSegment, toFolderName } from "./names.ts";
export type { ServerError } from "./server-error.ts";
export { isServerError, serverErrorLine } from "./server-error.ts";
export { EXIT_GRACE_MS, exitSoon, runService, STOP_LIMIT_MS } from "./service.ts";
export type { LexState } from "./sql-lexer.ts";
export { PLAIN, scanLine } from "./sql-lexer.ts";
export type * from "./types.ts";
export { TOOL_VERSION } from "./version.ts";
