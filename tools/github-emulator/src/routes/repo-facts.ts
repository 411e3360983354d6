import { isoDate } from "../git/objects.ts";
import type { RepoFacts } from "../render/repo.ts";
import type { TokenRecord } from "../state/auth.ts";
import type { RepoHandle } from "../state/repos.ts";

/** What the repository JSON says that only the git data knows. */
export async function repoFacts(repo: RepoHandle, token: TokenRecord): Promise<RepoFacts> {
  const [defaultBranch, sizeKb, last] = await Promise.all([
    repo.git.headBranch(),
    repo.git.sizeKb(),
    repo.git.lastCommitTime(),
  ]);
  const unrestricted = !token.scope.repos && !token.scope.owners;
  return {
    defaultBranch,
    sizeKb,
    pushedAt:
      last === undefined
        ? undefined
        : isoDate({ name: "", email: "", time: last, offsetMinutes: 0 }),
    canWrite: token.permission === "write",
    admin: token.kind === "personal" && unrestricted && token.permission === "write",
  };
}
