import type { BranchProtection } from "../types.ts";

export interface Refusal {
  readonly status: 403 | 422;
  readonly message: string;
}

/** Branch protection switched on by tests, per repository and branch. */
export class ProtectionStore {
  readonly #rules = new Map<string, BranchProtection>();

  set(owner: string, repo: string, branch: string, p: BranchProtection): void {
    this.#rules.set(key(owner, repo, branch), p);
  }

  delete(owner: string, repo: string, branch: string): void {
    this.#rules.delete(key(owner, repo, branch));
  }

  /**
   * Why an update of `branch` is refused, if it is. `force`: the update is not a fast forward
   * (or a deletion), which only a rule refusing `force` updates cares about.
   */
  refusal(owner: string, repo: string, branch: string, force: boolean): Refusal | undefined {
    const rule = this.#rules.get(key(owner, repo, branch));
    if (!rule) return undefined;
    const refuse = rule.refuse ?? "all";
    if (refuse === "force" && !force) return undefined;
    const fallback =
      refuse === "force"
        ? "Cannot force-push to this branch"
        : `Protected branch update failed for refs/heads/${branch}.`;
    return { status: rule.status ?? 422, message: rule.message ?? fallback };
  }
}

const key = (owner: string, repo: string, branch: string): string =>
  `${owner.toLowerCase()}/${repo.toLowerCase()}\u0000${branch}`;
