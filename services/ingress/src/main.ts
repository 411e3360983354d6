// The ingress service: wiring only. The logic lives in @tablesnap/ingress.
import { NatsBus } from "@tablesnap/bus";
import { loadConfig, redact } from "@tablesnap/config";
import { messageOf, runService } from "@tablesnap/core";
import { jsonLogger, serveApp } from "@tablesnap/http";
import { ingressApp, scheduleRedelivery } from "@tablesnap/ingress";
import { githubAppOctokit } from "@tablesnap/publish/github";
import { PgStateStore } from "@tablesnap/state";

const logger = jsonLogger({ service: "ingress" });

runService("ingress", logger, async () => {
  const config = loadConfig(process.env);
  logger.info({ config: redact(config) }, "starting");

  const bus = new NatsBus({
    servers: config.nats.url,
    prefix: config.nats.prefix,
    name: "tablesnap-ingress",
    logger,
  });
  // Streams are created in the background too: a 503 until NATS answers, never a crash.
  bus.ensureStreams().catch((e: unknown) => logger.warn({ error: messageOf(e) }, "streams later"));
  // Only for `/backup status`; the coordinator migrates the schema.
  const state =
    config.stateUrl === undefined ? undefined : PgStateStore.open(config.stateUrl, { max: 2 });

  const server = await serveApp(ingressApp({ config, bus, state, logger }), config.port);
  logger.info({ port: server.port }, "listening");

  const auth = config.github.auth;
  const stopRedelivery =
    auth?.kind === "app"
      ? scheduleRedelivery({
          client: githubAppOctokit({
            apiUrl: config.github.apiUrl,
            appId: auth.appId,
            privateKey: auth.privateKey,
          }),
          logger,
        })
      : () => {};

  return async () => {
    stopRedelivery();
    await server.close(); // requests in flight finish (and get their publish acked) first
    await Promise.all([bus.close(), state?.close()]);
  };
});
