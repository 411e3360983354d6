import type { Subscription, Termination } from "@tablesnap/bus";
import { messageOf } from "@tablesnap/core";
import { type DumpMessage, type HolderDeps, holdRun } from "./holder.ts";
import type { DumpSettings } from "./holder-plan.ts";
import { failRun } from "./outcome.ts";
import { logTargetChecks } from "./preflight.ts";
import { type PublisherDeps, publishRun } from "./publisher.ts";
import { copyTableJob, SourcePools, type TableWorkerDeps, tableJobGivenUp } from "./table-job.ts";
import { type DeliveryOptions, silentLogger, type WorkerDeps } from "./types.ts";

export interface DumpWorkerOptions extends WorkerDeps, DumpSettings {
  /** Table copies at once in this worker. Default 2; 0 makes a worker that only holds runs. */
  readonly concurrency?: number | undefined;
  /** Runs whose snapshot this worker holds at once. Default 2; 0: it only copies tables. */
  readonly holders?: number | undefined;
  /** Redelivery of `dump` messages (a dead holder's run starts again after `ackWaitMs`). */
  readonly dumpDelivery?: DeliveryOptions | undefined;
  /** Redelivery of table `job` messages. */
  readonly jobDelivery?: DeliveryOptions | undefined;
  readonly pollMs?: number | undefined;
  /** Consumer names: the default shares the work between every dump worker. */
  readonly durablePrefix?: string | undefined;
  readonly beforeTable?: TableWorkerDeps["beforeTable"];
  readonly tableStallMs?: TableWorkerDeps["tableStallMs"];
  /** Before each run, check that the target's backup repository opens (see HolderDeps). */
  readonly checkRepo?: HolderDeps["checkRepo"];
  /** Check every target's database and repository at start and log the result. Default true. */
  readonly checkTargetsAtStart?: boolean | undefined;
}

/** A running service: `stop()` lets running handlers finish (or hands their messages back). */
export interface Running {
  stop(): Promise<void>;
}

/**
 * A dump worker: holds the snapshots of the runs it is given (`dump`) and copies tables (`job`)
 * for any run. Start as many as you like; they share both queues.
 *
 * @example
 * const w = await startDumpWorker({ bus, state, bucket, targets: config.targets });
 * process.once("SIGTERM", () => void w.stop());
 */
export async function startDumpWorker(o: DumpWorkerOptions): Promise<Running> {
  const stopping = new AbortController();
  const concurrency = o.concurrency ?? 2;
  const holders = o.holders ?? 2;
  if (
    !(
      Number.isInteger(concurrency) &&
      Number.isInteger(holders) &&
      concurrency >= 0 &&
      holders >= 0 &&
      concurrency + holders > 0
    )
  ) {
    throw new RangeError("concurrency and holders must be whole numbers >= 0, not both 0");
  }
  const pools = new SourcePools(concurrency + 1);
  const name = o.durablePrefix ?? "dump-worker";
  const holder: HolderDeps = { ...o, signal: stopping.signal };
  const tables: TableWorkerDeps = { ...o, signal: stopping.signal, pools };
  const log = o.logger ?? silentLogger;
  const subs: Subscription[] = [];
  try {
    if (concurrency > 0) {
      subs.push(
        await o.bus.consume(
          "job",
          {
            durable: `${name}-tables`,
            concurrency,
            ...delivery(o.jobDelivery),
            onTerm: (t) =>
              tableJobGivenUp(tables, t).catch((e: unknown) => {
                log.error({ error: String(e) }, "could not record a table job given up");
              }),
          },
          (job, ctx) => copyTableJob(tables, job, ctx),
        ),
      );
    }
    if (holders > 0) {
      subs.push(
        await o.bus.consume(
          "dump",
          {
            durable: `${name}-holders`,
            concurrency: holders,
            ackWaitMs: 30_000,
            ...delivery(o.dumpDelivery),
            onTerm: (t) => givenUp(holder, t, "dump"),
          },
          (msg: DumpMessage, ctx) => holdRun(holder, msg, ctx),
        ),
      );
    }
  } catch (e) {
    await Promise.allSettled(subs.map((s) => s.stop()));
    await pools.close();
    throw e;
  }
  // A holder checks every target at start, so a broken one is named before its first run.
  const checked =
    holders > 0 && o.checkTargetsAtStart !== false
      ? logTargetChecks(o.targets, o.checkRepo, o.logger, stopping.signal).catch(() => {})
      : Promise.resolve();
  return {
    async stop() {
      // Aborting first: a holder waiting for its tables gives its message back at once.
      stopping.abort();
      await Promise.allSettled(subs.map((s) => s.stop()));
      await Promise.all([pools.close(), checked]);
    },
  };
}

export interface PublisherOptions extends PublisherDeps {
  readonly delivery?: DeliveryOptions | undefined;
  readonly durable?: string | undefined;
  readonly concurrency?: number | undefined;
}

/** The publisher: one commit per dumped run (`run` messages). */
export async function startPublisher(o: PublisherOptions): Promise<Running> {
  const sub = await o.bus.consume(
    "run",
    {
      durable: o.durable ?? "publisher",
      concurrency: o.concurrency ?? 1,
      ackWaitMs: 60_000,
      ...delivery(o.delivery),
      onTerm: (t) => givenUp(o, t, "publishing"),
    },
    (msg, ctx) => publishRun(o, msg, ctx),
  );
  return { stop: () => sub.stop() };
}

function delivery(d: DeliveryOptions | undefined) {
  return {
    ...(d?.ackWaitMs === undefined ? {} : { ackWaitMs: d.ackWaitMs }),
    ...(d?.maxDeliver === undefined ? {} : { maxDeliver: d.maxDeliver }),
    ...(d?.backoffMs === undefined ? {} : { backoffMs: d.backoffMs }),
  };
}

/**
 * A `dump` or `run` message given up (its last delivery failed, or its worker died holding it):
 * the run ends `failed` with the reason rather than waiting for its time limit.
 */
async function givenUp(d: WorkerDeps, t: Termination, what: string): Promise<void> {
  const runId = (t.message as { run_id?: unknown } | undefined)?.run_id;
  if (typeof runId !== "string") return;
  try {
    const run = await d.state.getRun(runId);
    if (run) await failRun(d, run, `${what} given up: ${t.reason}`);
  } catch (e) {
    (d.logger ?? silentLogger).error(
      { runId, error: messageOf(e) },
      "could not fail a run given up",
    );
  }
}
