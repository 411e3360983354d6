export type { BackupReader, Problem, ProblemKind, VerifyReport } from "./types.ts";
export { verifyBackup } from "./verify.ts";
