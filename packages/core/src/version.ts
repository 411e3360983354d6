/** Kept in step with the root package.json by the release process. */
export const TOOL_VERSION = "0.1.0";
