export { archiveFolderName, folderTime, latestFolderName } from "./archive-name.ts";
export { messageOf, TablesnapError, UsageError } from "./errors.ts";
export type { Logger } from "./logger.ts";
export { jsonLogger, silentLogger } from "./logger.ts";
export {
  MANIFEST_FORMAT,
  manifestFiles,
  manifestSchema,
  parseManifest,
  serializeManifest,
} from "./manifest.ts";
export { fromFolderName, safeSegment, toFolderName } from "./names.ts";
export { EXIT_GRACE_MS, exitSoon, runService, STOP_LIMIT_MS } from "./service.ts";
export type { LexState } from "./sql-lexer.ts";
export { PLAIN, scanLine } from "./sql-lexer.ts";
export type * from "./types.ts";
export { TOOL_VERSION } from "./version.ts";
