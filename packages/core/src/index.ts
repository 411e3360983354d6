export { archiveFolderName, folderTime, latestFolderName } from "./archive-name.ts";
export { messageOf, TablesnapError, UsageError } from "./errors.ts";
export {
  MANIFEST_FORMAT,
  manifestFiles,
  manifestSchema,
  parseManifest,
  serializeManifest,
} from "./manifest.ts";
export { fromFolderName, safeSegment, toFolderName } from "./names.ts";
export type * from "./types.ts";
export { TOOL_VERSION } from "./version.ts";
