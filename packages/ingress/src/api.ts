import { randomUUID } from "node:crypto";
import type { Bus } from "@tablesnap/bus";
import { type Config, findTarget } from "@tablesnap/config";
import {
  type App,
  badRequest,
  type Clock,
  documentedPath,
  type Logger,
  notFound,
  parseJson,
  readRawBody,
  requireMediaType,
  requireOperator,
  requireToken,
  utf8,
} from "@tablesnap/http";
import type { z } from "zod";
import { publishTriggers } from "./publish.ts";
import { BackupRequestSchema, INGRESS_ROUTES } from "./routes.ts";

export interface ApiRouteDeps {
  readonly config: Config;
  readonly bus: Bus;
  readonly now: Clock;
  readonly logger: Logger;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * `POST /api/v1/targets/{target}/backups`: a manual trigger with an operator's token (a bearer
 * header, or the dashboard's session from its own origin). With an
 * `Idempotency-Key` the trigger id is `api:<token name>:<key>` (namespaced, so one client's key
 * can collide neither with another's nor with a GitHub delivery id); otherwise a new uuid.
 */
export function apiRoutes(app: App, deps: ApiRouteDeps): void {
  app.post(documentedPath(app, INGRESS_ROUTES.backups), async (c) => {
    const token = requireOperator(requireToken(c, deps.config.api.tokens, deps.now()));
    const name = c.req.param("target") ?? "";
    if (!findTarget(deps.config, name)) {
      throw notFound(`unknown target ${name}; GET /api/v1/targets lists them`, "target_not_found");
    }
    const raw = utf8(await readRawBody(c));
    let body: z.infer<typeof BackupRequestSchema> = {};
    if (raw.trim() !== "") {
      requireMediaType(c, ["application/json"]);
      const parsed = BackupRequestSchema.safeParse(parseJson(raw));
      if (!parsed.success) {
        const issues = parsed.error.issues.map(
          (i) => `${i.path.join(".") || "body"}: ${i.message}`,
        );
        throw badRequest(
          `invalid body (${issues.join("; ")}); send { note?, ref? }`,
          "invalid_body",
        );
      }
      body = parsed.data;
    }
    const key = c.req.header("idempotency-key");
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw badRequest("Idempotency-Key must be 1-200 printable ASCII characters");
    }
    const id = key === undefined ? randomUUID() : `api:${token.name}:${key}`;
    const [published] = await publishTriggers(deps.bus, [
      {
        id,
        target: name,
        source: "api",
        event: "manual",
        ref: body.ref ?? token.name,
        actor: token.name,
        at: deps.now().toISOString(),
        ...(body.note === undefined ? {} : { note: body.note }),
      },
    ]);
    deps.logger.info(
      { request_id: c.get("requestId"), target: name, token: token.name },
      "api trigger queued",
    );
    // The run is chosen by the coordinator once it records the trigger: poll status_url for it.
    const status_url = `/api/v1/triggers/${encodeURIComponent(id)}`;
    const duplicate = published?.duplicate ?? false;
    return c.json({ trigger_id: id, target: name, duplicate, status_url }, 202);
  });
}
