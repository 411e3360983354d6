import type { Subscription } from "@tablesnap/bus";
import {
  type DeliveryOptions,
  delivery,
  givenUp,
  type Running,
  silentLogger,
  type WorkerDeps,
} from "@tablesnap/runs";
import { type DumpMessage, type HolderDeps, holdRun } from "./holder.ts";
import type { DumpSettings } from "./holder-plan.ts";
import { logTargetChecks } from "./preflight.ts";
import { copyTableJob, SourcePools, type TableWorkerDeps, tableJobGivenUp } from "./table-job.ts";

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
