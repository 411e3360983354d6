/** Data files above this size are split into parts (`--max-file-bytes`). */
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;
