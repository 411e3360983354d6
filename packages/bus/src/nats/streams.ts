import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { catalog, filterSubject, type MessageKind, streamName } from "../catalog.ts";
import type { ConsumerSettings } from "../dispatch.ts";

/** "stream name already in use with a different configuration" */
const STREAM_NAME_IN_USE = 10058;

export interface StreamSettings {
  readonly prefix: string;
  readonly duplicateWindowMs: number;
  readonly replicas: number;
}

/** The JetStream configuration of one kind's stream. */
export function streamConfig(
  kind: MessageKind,
  s: StreamSettings,
): Partial<StreamConfig> & { name: string } {
  const entry = catalog[kind];
  return {
    name: streamName(s.prefix, kind),
    description: `tablesnap ${kind} messages`,
    subjects: [filterSubject(s.prefix, kind)],
    retention: entry.retention === "workqueue" ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(entry.maxAgeMs),
    duplicate_window: nanos(s.duplicateWindowMs),
    num_replicas: s.replicas,
  };
}

/** Creates the stream, or brings an existing one to this configuration. */
export async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE)) throw error;
    // Retention cannot change in place; the server then says so and that error surfaces.
    const { name, retention: _retention, storage: _storage, ...update } = config;
    await jsm.streams.update(name, update);
  }
}

/** Creates the durable pull consumer, or updates its ack wait and max deliveries. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  filter: string,
  s: ConsumerSettings,
): Promise<void> {
  const config = {
    durable_name: s.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(s.ackWaitMs),
    max_deliver: s.maxDeliver,
    filter_subject: filter,
  };
  const existing = await jsm.consumers.info(stream, s.durable).catch(() => undefined);
  if (!existing) {
    await jsm.consumers.add(stream, config);
    return;
  }
  const c = existing.config;
  if (c.ack_wait !== config.ack_wait || c.max_deliver !== config.max_deliver) {
    await jsm.consumers.update(stream, s.durable, {
      ack_wait: config.ack_wait,
      max_deliver: config.max_deliver,
    });
  }
}
