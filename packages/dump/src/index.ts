export { setvalStatement } from "./catalog.ts";
export { parseTarget } from "./connect.ts";
export { ConnectionError, DumpAbortedError, DumpError, PgToolError } from "./errors.ts";
export { DEFAULT_MAX_FILE_BYTES, runBackup } from "./run.ts";
export { SECTION_MARKER } from "./schema/files.ts";
export type { DumpEntry, ParsedDump } from "./schema/parse.ts";
export { parseDump } from "./schema/parse.ts";
export { copyHeader, copyQuery } from "./table-data.ts";
export type { BackupOptions, BackupProgress } from "./types.ts";
