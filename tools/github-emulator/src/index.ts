export { createEmulator, type EmulatorCore } from "./emulator.ts";
export { EmulatorConfigError, GitCommandError, GitHubApiError } from "./errors.ts";
export { startEmulator } from "./server.ts";
export type * from "./types.ts";
