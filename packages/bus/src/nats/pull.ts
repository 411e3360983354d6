import type { Consumer, JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Pull } from "../dispatch.ts";
import type { NatsLink } from "./link.ts";

/**
 * Pulls one message per request, when a handler slot is free: no worker holds jobs it has not
 * started (whose ack wait would run out in its buffer while another worker sits idle).
 */
export function natsPuller(
  link: NatsLink,
  jetstream: (nc: NatsConnection) => JetStreamClient,
  stream: string,
  durable: string,
): Pull {
  let bound: { nc: NatsConnection; consumer: Consumer } | undefined;
  return async (signal) => {
    const nc = await link.connection(5_000);
    if (bound?.nc !== nc) {
      bound = { nc, consumer: await jetstream(nc).consumers.get(stream, durable) };
    }
    if (signal.aborted) return null;
    const batch = await bound.consumer.fetch({ max_messages: 1, expires: 5_000 });
    // On stop, end the pull now; a message the server sends after that comes back after ack wait.
    const abort = () => void batch.close();
    signal.addEventListener("abort", abort, { once: true });
    if (signal.aborted) abort();
    try {
      for await (const m of batch) {
        return {
          data: m.data,
          subject: m.subject,
          seq: m.seq,
          deliveryCount: m.info.deliveryCount,
          ack: () => m.ack(),
          nak: (delayMs) => m.nak(delayMs),
          // No reason: nats-server 2.9 ignores a "+TERM <reason>" ack; the reason is logged.
          term: () => m.term(),
          working: () => m.working(),
        };
      }
      return null;
    } finally {
      signal.removeEventListener("abort", abort);
    }
  };
}
