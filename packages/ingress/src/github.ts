import { Webhooks } from "@octokit/webhooks";
import type { Bus } from "@tablesnap/bus";
import type { Config } from "@tablesnap/config";
import {
  type App,
  badRequest,
  type Clock,
  documentedPath,
  type Logger,
  parseJson,
  readRawBody,
  requireMediaType,
  unauthorized,
  utf8,
} from "@tablesnap/http";
import { classifyGitHubEvent } from "./classify.ts";
import { publishTriggers } from "./publish.ts";
import { INGRESS_ROUTES } from "./routes.ts";

export interface GitHubRouteDeps {
  readonly config: Config;
  readonly bus: Bus;
  readonly now: Clock;
  readonly logger: Logger;
}

/** True when `signature` is valid for `body` under any of the secrets (rotation). */
export async function verifyGitHubSignature(
  verifiers: readonly Webhooks[],
  body: string,
  signature: string,
): Promise<boolean> {
  for (const v of verifiers) {
    if (await v.verify(body, signature).catch(() => false)) return true;
  }
  return false;
}

/**
 * `POST /webhooks/github`: the signature is checked on the raw body before anything is parsed;
 * the answer is 2xx only once JetStream has every trigger.
 */
export function githubRoutes(app: App, deps: GitHubRouteDeps): void {
  const verifiers = deps.config.github.webhookSecrets.map((secret) => new Webhooks({ secret }));

  app.post(documentedPath(app, INGRESS_ROUTES.github), async (c) => {
    const type = requireMediaType(c, ["application/json", "application/x-www-form-urlencoded"]);
    const raw = utf8(await readRawBody(c));
    if (verifiers.length === 0) {
      throw unauthorized("webhooks are not configured here; set GITHUB_WEBHOOK_SECRET");
    }
    const signature = c.req.header("x-hub-signature-256");
    if (signature === undefined || signature === "") {
      throw unauthorized("missing X-Hub-Signature-256; set a webhook secret in the GitHub App");
    }
    if (!(await verifyGitHubSignature(verifiers, raw, signature))) {
      throw unauthorized("X-Hub-Signature-256 does not match; check the webhook secret");
    }
    const event = c.req.header("x-github-event");
    const delivery = c.req.header("x-github-delivery");
    if (!event || !delivery) {
      throw badRequest("X-GitHub-Event and X-GitHub-Delivery headers are required");
    }
    const text =
      type === "application/json" ? raw : (new URLSearchParams(raw).get("payload") ?? "");
    const payload = parseJson(text);
    if (typeof payload !== "object" || payload === null) {
      throw badRequest("the payload must be a JSON object", "malformed_body");
    }
    const result = classifyGitHubEvent(deps.config, event, delivery, payload, deps.now());
    if (result.kind === "ping") return c.json({ ok: true, event: "ping", delivery }, 200);
    if (result.kind === "ignored") {
      return c.json({ ignored: true, event, delivery, reason: result.reason }, 200);
    }
    const triggers = await publishTriggers(deps.bus, result.triggers);
    deps.logger.info(
      { request_id: c.get("requestId"), delivery, event, triggers: triggers.length },
      "github triggers queued",
    );
    return c.json({ queued: true, event, delivery, triggers }, 202);
  });
}
