export {
  BranchMovedError,
  GitError,
  GitHubApiError,
  GitHubAuthError,
  GitHubPermissionError,
  GitHubRepoNotFoundError,
  GitRemoteError,
  ProtectedBranchError,
  RepoStateError,
} from "./errors.ts";
export { BlobFeeder } from "./git/blob-feeder.ts";
export { LocalGitRepo } from "./git/local-repo.ts";
export type { LocalRepoSession } from "./git/local-session.ts";
export { openLocalRepo } from "./git/local-session.ts";
export type { ObjectSpace } from "./git/maintenance.ts";
export { dropUnreachable, objectSpace, repack } from "./git/maintenance.ts";
export { GitRemoteRepo, redact } from "./git/remote-repo.ts";
export { GitTreeReader } from "./git/tree-reader.ts";
export type {
  CommitInfo,
  HistoryRepo,
  NewCommit,
  PruneOptions,
  PruneResult,
  Signature,
} from "./history.ts";
export { pruneHistory } from "./history.ts";
export { MemoryBackupRepo } from "./memory/memory-repo.ts";
export { commitMessage } from "./message.ts";
export type { BaseState, PublishPlan, Retention } from "./plan.ts";
export {
  ARCHIVE_DIR,
  LATEST_DIR,
  LATEST_LINK,
  planBackup,
  pruneArchives,
  readBaseState,
} from "./plan.ts";
export type { PublishOptions, PublishResult } from "./publish.ts";
export { publishBackup } from "./publish.ts";
export type { RekeyOptions, RekeyResult } from "./rekey.ts";
export { RekeyError, rekeyLatest } from "./rekey.ts";
export { backupIn, previousBackupName, RepoTreeReader } from "./repo-reader.ts";
export type {
  BackupRepo,
  CommitRequest,
  CommitResult,
  EntryMode,
  FileSource,
  TreeEntry,
  TreeOp,
} from "./types.ts";
