import { Webhooks } from "@octokit/webhooks";
import { MemoryBus, type Message } from "@tablesnap/bus";
import { type Config, loadConfig } from "@tablesnap/config";
import { slackSignature } from "../src/index.ts";

export const SECRETS = { github: ["old-secret", "new-secret"], slack: "slack-secret" } as const;
export const TOKENS = { ci: "tok-ci-123", ops: "tok-ops-456" } as const;
export const NOW = new Date("2026-03-01T12:00:00Z");

const env = {
  TABLESNAP_DATABASE_URL: "postgres://db.example/app",
  TABLESNAP_GITHUB_REPO: "acme/backups",
  GITHUB_WEBHOOK_SECRET: SECRETS.github.join(","),
  SLACK_SIGNING_SECRET: SECRETS.slack,
  TABLESNAP_API_TOKEN: `ci:${TOKENS.ci},ops:${TOKENS.ops}`,
};

/** One target `default` from the environment (default branch and `dev` trigger). */
export function envConfig(extra: Record<string, string> = {}): Config {
  return loadConfig({ ...env, ...extra });
}

/** Two targets both fed by every repository, plus one fed only by acme/web-*. */
export function multiConfig(): Config {
  const file = JSON.stringify({
    version: 1,
    targets: {
      app: { database_url: "postgres://db.example/app", repository: "acme/app-backups" },
      billing: {
        database_url: "postgres://db.example/billing",
        repository: "acme/billing-backups",
        branches: ["release/*"],
      },
      web: {
        database_url: "postgres://db.example/web",
        repository: "acme/web-backups",
        repositories: ["acme/web-*"],
      },
    },
  });
  return loadConfig({ ...env, TABLESNAP_CONFIG: "tablesnap.json" }, file);
}

/** A MemoryBus with its streams, and every trigger stored, as a coordinator would see them. */
export async function busWithInbox(): Promise<{
  bus: MemoryBus;
  inbox: Message<"trigger">[];
}> {
  const bus = new MemoryBus();
  await bus.ensureStreams();
  const inbox: Message<"trigger">[] = [];
  await bus.peer().consume("trigger", { durable: "test" }, (m) => {
    inbox.push(m);
  });
  return { bus, inbox };
}

export async function githubRequest(
  body: string,
  options: { event?: string; delivery?: string; secret?: string | null; signature?: string } = {},
): Promise<Request> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": options.event ?? "push",
    "x-github-delivery": options.delivery ?? crypto.randomUUID(),
  };
  const secret = options.secret === undefined ? SECRETS.github[1] : options.secret;
  if (options.signature !== undefined) headers["x-hub-signature-256"] = options.signature;
  else if (secret !== null) {
    headers["x-hub-signature-256"] = await new Webhooks({ secret }).sign(body);
  }
  return new Request("http://ingress/webhooks/github", { method: "POST", headers, body });
}

export function slackRequest(
  fields: Record<string, string>,
  options: { secret?: string; at?: Date; signature?: string } = {},
): Request {
  const body = new URLSearchParams(fields).toString();
  const ts = String(Math.floor((options.at ?? NOW).getTime() / 1000));
  return new Request("http://ingress/slack/commands", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": ts,
      "x-slack-signature":
        options.signature ?? slackSignature(options.secret ?? SECRETS.slack, ts, body),
    },
    body,
  });
}

export const silent = { info() {}, warn() {}, error() {} };
