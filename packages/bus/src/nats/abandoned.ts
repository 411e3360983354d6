import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { messageOf } from "@tablesnap/core";
import type { Abandoned } from "../dispatch.ts";
import type { BusLogger } from "../types.ts";
import type { NatsLink } from "./link.ts";

interface MaxDeliveriesAdvisory {
  readonly stream_seq: number;
  readonly deliveries: number;
}

const text = new TextDecoder();

/**
 * Listens for JetStream's max-deliveries advisories of one durable: the server sends one when it
 * would deliver a message again past `max_deliver` (the last delivery's ack wait ran out, so its
 * worker died holding it). A queue group makes one subscriber of the durable hear each; it is
 * handed the stored message. Follows the link to a new connection. Resolves once listening.
 */
export async function watchAbandoned(args: {
  link: NatsLink;
  manager: (nc: NatsConnection) => Promise<JetStreamManager>;
  stream: string;
  durable: string;
  waitMs: number;
  logger: BusLogger;
  onAbandoned: (a: Abandoned) => Promise<void>;
}): Promise<{ stop(): Promise<void> }> {
  const { link, stream, durable, logger } = args;
  const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`;
  let stopped = false;
  let sub: Subscription | undefined;

  const listen = async (nc: NatsConnection) => {
    sub = nc.subscribe(subject, { queue: `tablesnap-abandoned-${durable}` });
    await nc.flush();
    return sub;
  };
  const hand = async (nc: NatsConnection, data: Uint8Array) => {
    const advisory = JSON.parse(text.decode(data)) as MaxDeliveriesAdvisory;
    const stored = await (await args.manager(nc)).streams.getMessage(stream, {
      seq: advisory.stream_seq,
    });
    if (!stored) return; // Gone meanwhile (acknowledged late, or past the stream's max age).
    await args.onAbandoned({
      data: stored.data,
      subject: stored.subject,
      seq: advisory.stream_seq,
      deliveryCount: advisory.deliveries,
    });
  };

  let nc = await link.connection(args.waitMs);
  let current = await listen(nc);
  const loop = (async () => {
    while (!stopped) {
      for await (const m of current) {
        await hand(nc, m.data).catch((error: unknown) => {
          logger.warn({ stream, durable, error: messageOf(error) }, "advisory not handled");
        });
      }
      // The link replaced a connection that closed for good: listen on the new one.
      while (!stopped) {
        try {
          nc = await link.connection(args.waitMs);
          current = await listen(nc);
          break;
        } catch (error) {
          if (stopped) break;
          logger.warn({ stream, durable, error: messageOf(error) }, "not listening");
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      sub?.unsubscribe();
      await loop;
    },
  };
}
