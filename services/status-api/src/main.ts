// The status API service: wiring only. The logic lives in @tablesnap/status-api.
import { NatsBus } from "@tablesnap/bus";
import { loadConfig, redact, requireSettings } from "@tablesnap/config";
import { runService } from "@tablesnap/core";
import { httpReachable, jsonLogger, serveApp } from "@tablesnap/http";
import { migrate, PgStateStore } from "@tablesnap/state";
import { statusApp } from "@tablesnap/status-api";

const logger = jsonLogger({ service: "status-api" });

runService("status API", logger, async () => {
  const config = loadConfig(process.env);
  requireSettings(config, "state");
  const stateUrl = config.stateUrl;
  if (stateUrl === undefined)
    throw new Error("unreachable: requireSettings checked these settings");
  logger.info({ config: redact(config) }, "starting");

  await migrate(stateUrl); // idempotent, under an advisory lock: safe beside the coordinator
  const state = PgStateStore.open(stateUrl, { max: 4 });
  // Only for /readyz: the status API publishes nothing.
  const bus = new NatsBus({
    servers: config.nats.url,
    prefix: config.nats.prefix,
    name: "tablesnap-status-api",
    logger,
  });
  const store = config.s3 === undefined ? undefined : httpReachable(config.s3.endpoint);

  const server = await serveApp(statusApp({ config, state, bus, store, logger }), config.port);
  logger.info({ port: server.port }, "listening");

  return async () => {
    await server.close();
    await Promise.all([bus.close(), state.close()]);
  };
});
