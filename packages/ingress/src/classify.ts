import type { MessageInput } from "@tablesnap/bus";
import { type Config, targetsFor } from "@tablesnap/config";

type Trigger = MessageInput<"trigger">;

/** What a GitHub event means for tablesnap: triggers to publish, or why it is ignored. */
export type Classification =
  | { readonly kind: "ping" }
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "triggers"; readonly triggers: readonly Trigger[] };

interface Repo {
  full_name?: unknown;
  default_branch?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};

/**
 * Turns one GitHub delivery into triggers, by the config's rules: a push to the repository's
 * default branch or a branch a target names, or a merged pull request into such a branch. One
 * trigger per matching target; with several, the trigger (and JetStream message) id is
 * `${delivery}:${target}` so each target keeps its own.
 */
export function classifyGitHubEvent(
  config: Config,
  event: string,
  delivery: string,
  payload: unknown,
  at: Date,
): Classification {
  const p = obj(payload);
  if (event === "ping") return { kind: "ping" };
  const repo = obj(p["repository"]) as Repo;
  const fullName = str(repo.full_name);
  const defaultBranch = str(repo.default_branch) ?? "";
  const sender = str(obj(p["sender"])["login"]);

  if (event === "push") {
    const ref = str(p["ref"]) ?? "";
    if (ref.startsWith("refs/tags/")) return ignored(`tag push ${ref}`);
    if (p["deleted"] === true) return ignored(`deletion of ${ref}`);
    if (!ref.startsWith("refs/heads/")) return ignored(`push to ${ref || "(no ref)"}`);
    const after = str(p["after"]);
    if (fullName === undefined || after === undefined) return malformed("push");
    const branch = ref.slice("refs/heads/".length);
    const actor = str(obj(p["pusher"])["name"]) ?? sender;
    return build(config, { delivery, fullName, branch, defaultBranch, at, actor }, "push", after);
  }
  if (event === "pull_request") {
    const pr = obj(p["pull_request"]);
    const action = str(p["action"]) ?? "(none)";
    if (action !== "closed") return ignored(`pull_request ${action}`);
    if (pr["merged"] !== true) return ignored("pull_request closed without merging");
    const branch = str(obj(pr["base"])["ref"]);
    const sha = str(pr["merge_commit_sha"]);
    if (fullName === undefined || branch === undefined || sha === undefined) {
      return malformed("pull_request");
    }
    const actor = str(obj(pr["merged_by"])["login"]) ?? sender;
    return build(config, { delivery, fullName, branch, defaultBranch, at, actor }, "pr", sha);
  }
  return ignored(`event ${event} does not trigger backups`);
}

interface Origin {
  readonly delivery: string;
  readonly fullName: string;
  readonly branch: string;
  readonly defaultBranch: string;
  readonly at: Date;
  readonly actor: string | undefined;
}

function build(config: Config, o: Origin, event: "push" | "pr", ref: string): Classification {
  const targets = targetsFor(config, o.fullName, o.branch, o.defaultBranch);
  if (targets.length === 0) {
    return ignored(`branch ${o.branch} of ${o.fullName} feeds no target`);
  }
  const triggers = targets.map(
    (t): Trigger => ({
      id: targets.length === 1 ? o.delivery : `${o.delivery}:${t.name}`,
      target: t.name,
      source: o.fullName,
      event,
      ref,
      at: o.at.toISOString(),
      repository: o.fullName,
      ...(o.actor === undefined ? {} : { actor: o.actor }),
    }),
  );
  return { kind: "triggers", triggers };
}

const ignored = (reason: string): Classification => ({ kind: "ignored", reason });
const malformed = (event: string): Classification =>
  ignored(`${event} payload without the fields a trigger needs`);
