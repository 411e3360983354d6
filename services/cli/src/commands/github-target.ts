import { GitHubBackupRepo } from "@tablesnap/publish/github";
import type { BackupTarget } from "../target-args.ts";

/** The GitHub repository a `--github` command names, opened with its credentials and tuning. */
export function openGitHubTarget(
  t: Extract<BackupTarget, { kind: "github" }>,
  log?: (line: string) => void,
): Promise<GitHubBackupRepo> {
  return GitHubBackupRepo.open({
    auth: t.credentials,
    repository: t.repository,
    ...(t.apiUrl ? { apiUrl: t.apiUrl } : {}),
    ...t.tuning,
    ...(log ? { log } : {}),
  });
}
