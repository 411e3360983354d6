import { type DeliveryOptions, delivery, givenUp, type Running } from "@tablesnap/runs";
import { type PublisherDeps, publishRun } from "./publisher.ts";

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
