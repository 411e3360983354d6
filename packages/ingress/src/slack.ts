import type { Bus } from "@tablesnap/bus";
import type { Config } from "@tablesnap/config";
import {
  type App,
  badRequest,
  type Clock,
  documentedPath,
  type Logger,
  readRawBody,
  requireMediaType,
  utf8,
} from "@tablesnap/http";
import type { RunWithTriggers, StateStore } from "@tablesnap/state";
import { publishTriggers } from "./publish.ts";
import { INGRESS_ROUTES } from "./routes.ts";
import { verifySlackRequest } from "./slack-verify.ts";

export interface SlackRouteDeps {
  readonly config: Config;
  readonly bus: Bus;
  readonly state?: StateStore | undefined;
  readonly now: Clock;
  readonly logger: Logger;
}

const ephemeral = (text: string) => ({ response_type: "ephemeral" as const, text });

/**
 * `POST /slack/commands`: `/backup [target] [note: text]`, `/backup status [target]` and
 * `/backup help`. Mistakes of the person typing (unknown target, a stray word) are answered 200
 * with an ephemeral text and queue nothing: Slack shows its own "dispatch failed" for any other
 * status, hiding our explanation.
 */
export function slackRoutes(app: App, deps: SlackRouteDeps): void {
  const names = deps.config.targets.map((t) => t.name);

  app.post(documentedPath(app, INGRESS_ROUTES.slack), async (c) => {
    requireMediaType(c, ["application/x-www-form-urlencoded"]);
    const raw = utf8(await readRawBody(c));
    verifySlackRequest(
      deps.config.slack.signingSecret,
      {
        timestamp: c.req.header("x-slack-request-timestamp"),
        signature: c.req.header("x-slack-signature"),
      },
      raw,
      deps.now(),
    );
    const form = new URLSearchParams(raw);
    const words = (form.get("text") ?? "").trim().split(/\s+/).filter(Boolean);
    const user = form.get("user_name") || form.get("user_id") || "slack";

    if (words[0]?.toLowerCase() === "help" && words.length === 1)
      return c.json(ephemeral(usage(names)));
    if (words[0]?.toLowerCase() === "status") {
      const wanted = words[1];
      if (wanted !== undefined && !names.includes(wanted)) return c.json(unknown(wanted, names));
      if (!deps.state) return c.json(ephemeral("Run status is not available from this service."));
      const targets = wanted === undefined ? names : [wanted];
      const blocks = await Promise.all(targets.map((t) => statusText(deps.state, t)));
      return c.json(ephemeral(blocks.join("\n\n")));
    }

    const { before, note } = splitNote(words);
    let target = names.length === 1 ? names[0] : undefined;
    if (before[0] !== undefined && names.includes(before[0])) target = before.shift();
    if (before.length > 0) {
      const word = before[0] ?? "";
      return c.json(ephemeral(`Nothing queued: "${word}" is not a target.\n${usage(names)}`));
    }
    if (target === undefined) return c.json(ephemeral(`Name a target.\n${usage(names)}`));
    const triggerId = form.get("trigger_id");
    if (!triggerId) throw badRequest("trigger_id is missing from the Slack command");
    const responseUrl = form.get("response_url") || undefined;
    await publishTriggers(deps.bus, [
      {
        id: triggerId,
        target,
        source: "slack",
        event: "manual",
        ref: user,
        actor: user,
        at: deps.now().toISOString(),
        ...(note === undefined ? {} : { note }),
        ...(responseUrl === undefined ? {} : { response_url: responseUrl }),
      },
    ]);
    deps.logger.info({ request_id: c.get("requestId"), target }, "slack trigger queued");
    // The run id is chosen later by the coordinator; the outcome goes to response_url.
    return c.json(
      ephemeral(`Backup of ${target} queued (trigger ${triggerId}). The outcome will follow here.`),
    );
  });
}

/** The words before `note:`, and the note after it (absent, or empty, when there is none). */
function splitNote(words: readonly string[]): { before: string[]; note: string | undefined } {
  const at = words.findIndex((w) => w.toLowerCase().startsWith("note:"));
  if (at < 0) return { before: [...words], note: undefined };
  const first = (words[at] ?? "").slice("note:".length);
  const note = [first, ...words.slice(at + 1)].filter(Boolean).join(" ");
  return { before: words.slice(0, at), note: note || undefined };
}

function usage(names: readonly string[]): string {
  const target = names.length === 1 ? `[${names[0]}]` : `<${names.join("|")}>`;
  return [
    `/backup ${target} [note: why]   back up now (the note goes into the commit)`,
    `/backup status [target]   the last runs`,
    "/backup help   this text",
  ].join("\n");
}

function unknown(name: string, names: readonly string[]) {
  return ephemeral(`Unknown target ${name}. Targets: ${names.join(", ")}`);
}

async function statusText(state: StateStore | undefined, target: string): Promise<string> {
  const page = await state?.listRuns(target, { limit: 5 });
  const runs = page?.runs ?? [];
  if (runs.length === 0) return `*${target}*: no runs yet`;
  return [`*${target}*: last ${runs.length} runs`, ...runs.map(runLine)].join("\n");
}

function runLine(run: RunWithTriggers): string {
  const when = (run.finishedAt ?? run.startedAt ?? run.createdAt).toISOString();
  const commit = run.commitSha ? ` commit ${run.commitSha.slice(0, 7)}` : "";
  const error = run.error ? ` — ${run.error.slice(0, 120)}` : "";
  return `• ${run.status} ${when} (${run.triggers.length} triggers)${commit}${error}`;
}
