import type { Bus, MessageInput } from "@tablesnap/bus";

export interface Published {
  readonly trigger_id: string;
  readonly target: string;
  /** JetStream had this message id already (a redelivery within its window): nothing new. */
  readonly duplicate: boolean;
}

/**
 * Publishes triggers one by one and resolves once JetStream acknowledged every one. A
 * `BusUnavailableError` propagates (→ 503): the sender redelivers, and the ones already stored
 * are then deduplicated by their message ids.
 */
export async function publishTriggers(
  bus: Bus,
  triggers: readonly MessageInput<"trigger">[],
): Promise<Published[]> {
  const out: Published[] = [];
  for (const t of triggers) {
    const ack = await bus.publish("trigger", t, { msgId: t.id });
    out.push({ trigger_id: t.id, target: t.target, duplicate: ack.duplicate });
  }
  return out;
}
