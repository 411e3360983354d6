// The dump worker service: wiring only. The logic lives in @tablesnap/dump-worker.
import { NatsBus } from "@tablesnap/bus";
import { loadConfig, redact, requireSettings } from "@tablesnap/config";
import { runService } from "@tablesnap/core";
import { startDumpWorker } from "@tablesnap/dump-worker";
import { ackWaitDelivery, jsonLogger, openArtifactBucket, repoChecker } from "@tablesnap/runs";
import { migrate, PgStateStore } from "@tablesnap/state";

const logger = jsonLogger({ service: "dump-worker" });

runService("dump worker", logger, async () => {
  const config = loadConfig(process.env);
  requireSettings(config, "state", "s3");
  const { stateUrl, s3 } = config;
  if (stateUrl === undefined || s3 === undefined)
    throw new Error("unreachable: requireSettings checked these settings");
  logger.info({ config: redact(config) }, "starting");

  const bus = new NatsBus({
    servers: config.nats.url,
    prefix: config.nats.prefix,
    name: "tablesnap-dump-worker",
    logger,
  });
  await migrate(stateUrl);
  const state = PgStateStore.open(stateUrl);
  const bucket = await openArtifactBucket(s3);
  await bus.ensureStreams();
  // TABLESNAP_ACK_WAIT: a run or table job taken by a killed worker is taken again after it.
  const delivery = ackWaitDelivery(config.nats.ackWaitSeconds);
  const worker = await startDumpWorker({
    holders: config.worker.holders,
    concurrency: config.worker.copies,
    tableStallMs: config.worker.tableStallSeconds * 1000,
    dumpDelivery: delivery,
    jobDelivery: delivery,
    bus,
    state,
    bucket,
    targets: config.targets,
    slack: { webhookUrl: config.slack.webhookUrl },
    checkRepo: repoChecker({ apiUrl: config.github.apiUrl, auth: config.github.auth }),
    logger,
  });

  return async () => {
    await worker.stop(); // held runs are handed back to be started again by another worker
    await Promise.all([bus.close(), state.close()]);
  };
});
