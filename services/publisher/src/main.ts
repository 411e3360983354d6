// The publisher service: wiring only. The logic lives in @tablesnap/publisher.
import { NatsBus } from "@tablesnap/bus";
import { loadConfig, redact, requireSettings } from "@tablesnap/config";
import { runService } from "@tablesnap/core";
import { identitiesFrom } from "@tablesnap/encryption";
import { startPublisher } from "@tablesnap/publisher";
import { ackWaitDelivery, jsonLogger, openArtifactBucket, repoOpener } from "@tablesnap/runs";
import { migrate, PgStateStore } from "@tablesnap/state";

const logger = jsonLogger({ service: "publisher" });

runService("publisher", logger, async () => {
  const config = loadConfig(process.env);
  requireSettings(config, "state", "s3");
  const { stateUrl, s3 } = config;
  if (stateUrl === undefined || s3 === undefined)
    throw new Error("unreachable: requireSettings checked these settings");
  // The scheduled drills' keys for encrypted backups: TABLESNAP_AGE_IDENTITY(_FILE), a secret.
  const identities = await identitiesFrom(config.ageIdentity);
  logger.info({ config: redact(config) }, "starting");

  const bus = new NatsBus({
    servers: config.nats.url,
    prefix: config.nats.prefix,
    name: "tablesnap-publisher",
    logger,
  });
  await migrate(stateUrl);
  const state = PgStateStore.open(stateUrl);
  const bucket = await openArtifactBucket(s3);
  await bus.ensureStreams();
  // TABLESNAP_ACK_WAIT: a run taken by a killed publisher is taken again after it.
  const worker = await startPublisher({
    delivery: ackWaitDelivery(config.nats.ackWaitSeconds),
    bus,
    state,
    bucket,
    targets: config.targets,
    slack: { webhookUrl: config.slack.webhookUrl },
    openRepo: repoOpener({ apiUrl: config.github.apiUrl, auth: config.github.auth }),
    identities,
    logger,
  });

  return async () => {
    await worker.stop(); // the publish in progress finishes first
    await Promise.all([bus.close(), state.close()]);
  };
});
