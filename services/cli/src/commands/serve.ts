// `tablesnap serve`: the five services in one process, for small installations and tests.
// Wiring only, as each service's main.ts: the logic lives in the packages.
import { NatsBus } from "@tablesnap/bus";
import { type Env, loadConfig, redact, requireSettings } from "@tablesnap/config";
import { jsonLogger as coordinatorLogger, startCoordinator } from "@tablesnap/coordinator";
import { messageOf } from "@tablesnap/core";
import { startDumpWorker } from "@tablesnap/dump-worker";
import { identitiesFrom } from "@tablesnap/encryption";
import { jsonLogger as httpLogger, httpReachable, serveApp } from "@tablesnap/http";
import { startPublisher } from "@tablesnap/publisher";
import {
  ackWaitDelivery,
  openArtifactBucket,
  repoChecker,
  repoOpener,
  jsonLogger as workerLogger,
} from "@tablesnap/runs";
import { migrate, PgStateStore } from "@tablesnap/state";
import { combinedApp } from "@tablesnap/status-api";

/**
 * Starts everything, waits for `stop` to abort, then stops in order: the HTTP server (requests in
 * flight finish), the coordinator, the publisher and the dump worker, then the clients.
 * A failure while starting closes what was opened and rethrows.
 */
export async function serveCommand(env: Env, stop: AbortSignal): Promise<void> {
  const log = httpLogger({ service: "serve" });
  const config = loadConfig(env);
  requireSettings(config, "state", "s3");
  const { stateUrl, s3 } = config;
  if (stateUrl === undefined || s3 === undefined) return; // requireSettings threw already
  // The scheduled drills' keys for encrypted backups, from a secret; a bad one stops the start.
  const identities = await identitiesFrom(config.ageIdentity);
  log.info({ config: redact(config) }, "starting");

  // Stopped in reverse order of starting.
  const stoppers: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of stoppers.reverse()) {
      try {
        await s.stop();
      } catch (error) {
        log.error({ component: s.name, error: messageOf(error) }, "unclean stop");
      }
    }
  };

  try {
    await migrate(stateUrl);
    const state = PgStateStore.open(stateUrl);
    stoppers.push({ name: "state", stop: () => state.close() });
    const bus = new NatsBus({
      servers: config.nats.url,
      prefix: config.nats.prefix,
      name: "tablesnap-serve",
      logger: workerLogger({ service: "bus" }),
    });
    stoppers.push({ name: "bus", stop: () => bus.close() });
    await bus.ensureStreams();
    const bucket = await openArtifactBucket(s3);

    const workerDeps = {
      bus,
      state,
      bucket,
      targets: config.targets,
      slack: { webhookUrl: config.slack.webhookUrl },
    };
    // TABLESNAP_ACK_WAIT: how soon a message held by a stopped or killed process comes back.
    const delivery = ackWaitDelivery(config.nats.ackWaitSeconds);
    const dumpWorker = await startDumpWorker({
      ...workerDeps,
      holders: config.worker.holders,
      concurrency: config.worker.copies,
      tableStallMs: config.worker.tableStallSeconds * 1000,
      dumpDelivery: delivery,
      jobDelivery: delivery,
      checkRepo: repoChecker({ apiUrl: config.github.apiUrl, auth: config.github.auth }),
      logger: workerLogger({ service: "dump-worker" }),
    });
    stoppers.push({ name: "dump-worker", stop: () => dumpWorker.stop() });
    const publisher = await startPublisher({
      ...workerDeps,
      delivery,
      openRepo: repoOpener({ apiUrl: config.github.apiUrl, auth: config.github.auth }),
      identities,
      logger: workerLogger({ service: "publisher" }),
    });
    stoppers.push({ name: "publisher", stop: () => publisher.stop() });
    const coordinator = await startCoordinator({
      config,
      bus,
      state,
      logger: coordinatorLogger({ service: "coordinator" }),
      ...(delivery?.ackWaitMs === undefined ? {} : { ackWaitMs: delivery.ackWaitMs }),
    });
    stoppers.push({ name: "coordinator", stop: () => coordinator.stop() });

    const app = combinedApp({
      config,
      bus,
      state,
      store: httpReachable(s3.endpoint),
      logger: httpLogger({ service: "http" }),
    });
    const server = await serveApp(app, config.port);
    stoppers.push({ name: "http", stop: () => server.close() });
    log.info({ port: server.port }, "listening");
  } catch (error) {
    await stopAll();
    throw error;
  }

  if (!stop.aborted) {
    await new Promise<void>((resolve) => stop.addEventListener("abort", () => resolve()));
  }
  log.info({}, "stopping");
  await stopAll();
  log.info({}, "stopped");
}
