import type { Config, TargetConfig } from "./types.ts";

/** `*` matches within one path segment, `**` across them. */
export function globToRegExp(pattern: string, flags = ""): RegExp {
  const body = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${body}$`, flags);
}

/** Whether events of `repository` (`owner/repo`, any case, as GitHub treats it) feed `target`. */
export function feedsTarget(target: TargetConfig, repository: string): boolean {
  if (target.repositories === "all") return true;
  return target.repositories.some((p) => globToRegExp(p, "i").test(repository));
}

/**
 * Whether a push to (or a merge into) `branch` triggers `target`; `defaultBranch` is the pushed
 * repository's default branch, from the webhook payload.
 */
export function branchTriggers(
  target: TargetConfig,
  branch: string,
  defaultBranch: string,
): boolean {
  if (target.branches.defaultBranch && branch === defaultBranch) return true;
  return target.branches.names.some((p) => globToRegExp(p).test(branch));
}

/** The targets an event of `repository` on `branch` triggers. */
export function targetsFor(
  config: Config,
  repository: string,
  branch: string,
  defaultBranch: string,
): TargetConfig[] {
  return config.targets.filter(
    (t) => feedsTarget(t, repository) && branchTriggers(t, branch, defaultBranch),
  );
}

export function findTarget(config: Config, name: string): TargetConfig | undefined {
  return config.targets.find((t) => t.name === name);
}
