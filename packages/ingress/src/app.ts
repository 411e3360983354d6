import type { Bus } from "@tablesnap/bus";
import type { Config } from "@tablesnap/config";
import {
  type App,
  type Clock,
  type Logger,
  newApp,
  serveOpenApiDocument,
  silentLogger,
} from "@tablesnap/http";
import type { StateStore } from "@tablesnap/state";
import { apiRoutes } from "./api.ts";
import { githubRoutes } from "./github.ts";
import { healthRoutes } from "./health.ts";
import { slackRoutes } from "./slack.ts";

export interface IngressOptions {
  readonly config: Config;
  readonly bus: Bus;
  /** For `/backup status`; without it Slack is told status is not available here. */
  readonly state?: StateStore | undefined;
  readonly now?: Clock;
  readonly logger?: Logger;
}

/** Adds the ingress routes (GitHub, Slack, manual API trigger) to `app`. */
export function addIngressRoutes(app: App, options: IngressOptions): App {
  const deps = {
    config: options.config,
    bus: options.bus,
    state: options.state,
    now: options.now ?? (() => new Date()),
    logger: options.logger ?? silentLogger,
  };
  githubRoutes(app, deps);
  slackRoutes(app, deps);
  apiRoutes(app, deps);
  return app;
}

/**
 * The ingress: webhooks and commands in, triggers onto JetStream out; 2xx only once JetStream
 * acknowledged them, 503 with `retry-after` while NATS is away. `GET /healthz` (always 200) and
 * `GET /readyz` (NATS: 200 or 503) for probes; `combinedApp` takes those from the status API
 * instead, whose `/readyz` checks NATS too.
 *
 * @example
 * serve({ fetch: ingressApp({ config, bus }).fetch, port: config.port });
 */
export function ingressApp(options: IngressOptions): App {
  const app = newApp(options.logger ? { logger: options.logger } : {});
  healthRoutes(app, options.bus);
  serveOpenApiDocument(app);
  return addIngressRoutes(app, options);
}
