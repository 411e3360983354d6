import { type DeliveryOptions, delivery, givenUp, type Running } from "@tablesnap/runs";
import { type DrillDeps, drillTarget } from "./drill.ts";
import { type PublisherDeps, publishRun } from "./publisher.ts";

export interface PublisherOptions extends PublisherDeps, DrillDeps {
  readonly delivery?: DeliveryOptions | undefined;
  readonly durable?: string | undefined;
  readonly concurrency?: number | undefined;
}

/**
 * The publisher: one commit per dumped run (`run` messages), and the scheduled restore drills
 * (`drill` messages) of the targets that have one, one at a time.
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
  if (!o.targets.some((t) => t.drill)) return { stop: () => sub.stop() };
  // A drill keeps its message alive (working()); a publisher killed mid-drill leaves it to
  // another, once. The outcome is told, never thrown: a failed drill waits for the next slot.
  const drills = await o.bus.consume(
    "drill",
    { durable: `${durable}-drills`, concurrency: 1, ackWaitMs: 60_000, maxDeliver: 2 },
    async (msg, ctx) => {
      await drillTarget(o, msg, ctx);
    },
  );
  return { stop: async () => void (await Promise.all([sub.stop(), drills.stop()])) };
}
