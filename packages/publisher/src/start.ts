import {
  type DeliveryOptions,
  delivery,
  givenUp,
  type Running,
  silentLogger,
} from "@tablesnap/runs";
import { type DrillDeps, drillTarget } from "./drill.ts";
import { pruneTarget } from "./prune.ts";
import { type PublisherDeps, publishRun } from "./publisher.ts";

export interface PublisherOptions extends PublisherDeps, DrillDeps {
  readonly delivery?: DeliveryOptions | undefined;
  readonly durable?: string | undefined;
  readonly concurrency?: number | undefined;
  /** Waits before a history rotation tries again while a run is in progress (tests shorten). */
  readonly busyBackoffMs?: readonly number[] | undefined;
}

/**
 * The publisher: one commit per dumped run (`run` messages), and the scheduled maintenance of
 * the targets that have some (`maintenance` messages: restore drills, history rotation), one at
 * a time.
 */
export async function startPublisher(o: PublisherOptions): Promise<Running> {
  const durable = o.durable ?? "publisher";
  const sub = await o.bus.consume(
    "run",
    {
      durable,
      concurrency: o.concurrency ?? 1,
      ackWaitMs: 60_000,
      ...delivery(o.delivery),
      onTerm: (t) => givenUp(o, t, "publishing"),
    },
    (msg, ctx) => publishRun(o, msg, ctx),
  );
  if (!o.targets.some((t) => t.drill || t.retention.pruneHistory))
    return { stop: () => sub.stop() };
  // A drill keeps its message alive (working()); a publisher killed mid-task hands it to
  // another. Outcomes are told, never thrown; only a rotation waiting for a run comes back.
  const stopping = new AbortController();
  const maintenance = await o.bus.consume(
    "maintenance",
    {
      durable: `${durable}-maintenance`,
      ...{ concurrency: 1, ackWaitMs: 60_000, maxDeliver: 8 },
      backoffMs: o.busyBackoffMs ?? [30_000, 60_000, 120_000],
      onTerm: (t) =>
        (o.logger ?? silentLogger).error(
          { subject: t.subject, reason: t.reason },
          "maintenance task given up",
        ),
    },
    async (msg, ctx) => {
      if (msg.task === "prune") await pruneTarget(o, msg, ctx, stopping.signal);
      else await drillTarget(o, msg, ctx, stopping.signal);
    },
  );
  return {
    stop: async () => {
      stopping.abort(new Error("the publisher is stopping"));
      await Promise.all([sub.stop(), maintenance.stop()]);
    },
  };
}
