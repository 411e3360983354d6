// The coordinator service: wiring only. The logic lives in @tablesnap/coordinator.
import { NatsBus } from "@tablesnap/bus";
import { loadConfig, redact, requireSettings } from "@tablesnap/config";
import { jsonLogger, startCoordinator } from "@tablesnap/coordinator";
import { runService } from "@tablesnap/core";
import { migrate, PgStateStore } from "@tablesnap/state";

const logger = jsonLogger({ service: "coordinator" });

runService("coordinator", logger, async () => {
  const config = loadConfig(process.env);
  requireSettings(config, "state");
  const stateUrl = config.stateUrl;
  if (stateUrl === undefined)
    throw new Error("unreachable: requireSettings checked these settings");
  logger.info({ config: redact(config) }, "starting");

  const bus = new NatsBus({
    servers: config.nats.url,
    prefix: config.nats.prefix,
    name: "tablesnap-coordinator",
    logger,
  });
  await migrate(stateUrl);
  const state = PgStateStore.open(stateUrl);
  await bus.ensureStreams();
  const ackWaitSeconds = config.nats.ackWaitSeconds;
  const coordinator = await startCoordinator({
    config,
    bus,
    state,
    logger,
    ...(ackWaitSeconds === undefined ? {} : { ackWaitMs: ackWaitSeconds * 1000 }),
  });

  return async () => {
    await coordinator.stop(); // the trigger and round in progress finish first
    await Promise.all([bus.close(), state.close()]);
  };
});
