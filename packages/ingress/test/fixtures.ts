import { Webhooks } from "@octokit/webhooks";
import { NOW, SECRETS } from "@tablesnap/http/testing";
import { slackSignature } from "../src/index.ts";

export * from "@tablesnap/http/testing";

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
