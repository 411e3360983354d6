import { messageOf } from "@tablesnap/core";
import type { RunWithTriggers } from "@tablesnap/state";
import type { SlackSettings, WorkerLogger } from "./types.ts";

export type Outcome =
  | {
      readonly status: "succeeded" | "unchanged" | "partial";
      readonly commitSha: string;
      readonly commitUrl?: string | undefined;
      readonly folder: string;
      readonly changed: boolean;
    }
  | { readonly status: "failed"; readonly error: string };

/** The one line a person reads in Slack. */
export function outcomeText(run: { id: string; target: string }, o: Outcome): string {
  if (o.status === "failed") {
    return `:x: tablesnap backup of *${run.target}* failed (run ${run.id}): ${o.error}`;
  }
  const where = o.commitUrl ? `<${o.commitUrl}|${o.commitSha.slice(0, 7)}>` : o.commitSha;
  if (o.status === "unchanged") {
    return `:white_check_mark: tablesnap backup of *${run.target}*: nothing changed since ${where} (\`${o.folder}\`), nothing committed (run ${run.id})`;
  }
  const note =
    o.status === "partial" ? " (partial: some objects were skipped, see the manifest)" : "";
  return `:white_check_mark: tablesnap backup of *${run.target}* published as ${where} in \`${o.folder}\`${note} (run ${run.id})`;
}

/**
 * Tells Slack how a run ended: the `response_url` of every `/backup` command that led to it, and
 * the incoming webhook for every failure. Best effort: a report that cannot be delivered is
 * logged (without the URL, a credential) and never fails the run.
 */
export async function reportOutcome(
  slack: SlackSettings | undefined,
  run: RunWithTriggers,
  outcome: Outcome,
  logger: WorkerLogger,
): Promise<void> {
  const text = outcomeText(run, outcome);
  const urls = run.triggers.flatMap((t) => (t.responseUrl ? [t.responseUrl] : []));
  const posts = [...new Set(urls)].map((url) =>
    post(slack?.fetch, url, { response_type: "in_channel", replace_original: false, text }),
  );
  if (outcome.status === "failed" && slack?.webhookUrl) {
    posts.push(post(slack.fetch, slack.webhookUrl, { text }));
  }
  const results = await Promise.allSettled(posts);
  for (const r of results) {
    if (r.status === "rejected") {
      logger.warn({ runId: run.id, error: messageOf(r.reason) }, "slack report not delivered");
    }
  }
}

/** Posts a line to the failure webhook, when there is one; best effort, like reportOutcome. */
export async function tellWebhook(
  slack: SlackSettings | undefined,
  text: string,
  logger: WorkerLogger,
  context: Record<string, unknown>,
): Promise<void> {
  if (!slack?.webhookUrl) return;
  await post(slack.fetch, slack.webhookUrl, { text }).catch((e: unknown) => {
    logger.warn({ ...context, error: messageOf(e) }, "slack report not delivered");
  });
}

async function post(f: typeof fetch | undefined, url: string, body: unknown): Promise<void> {
  const res = await (f ?? fetch)(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`Slack answered ${res.status}`);
}
