/** Data files above this size are split into parts (`--max-file-bytes`). */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;

/** A table copy that moves no rows for this long fails, naming the table. */
export const DEFAULT_TABLE_STALL_MS = 5 * 60 * 1000;
