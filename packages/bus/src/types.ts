import type { Message, MessageInput, MessageKind } from "./catalog.ts";

export interface PublishOptions {
  /** JetStream de-duplication id; defaults to the catalog's (trigger id, job id, run id). */
  readonly msgId?: string;
}

/** What JetStream acknowledged. */
export interface PublishAck {
  /** The same message id was published within the dedupe window: nothing new was stored. */
  readonly duplicate: boolean;
  /** Stream sequence of the stored message (of the first one, for a duplicate). */
  readonly seq: number;
  readonly stream: string;
}

export interface ConsumeOptions {
  /** Consumers with the same durable name share the work: each message goes to one of them. */
  readonly durable: string;
  /** Redelivered when not acknowledged (nor `working()`) within this time. Default 30 s. */
  readonly ackWaitMs?: number;
  /** Deliveries before the message is given up (terminated). Default 5. */
  readonly maxDeliver?: number;
  /** Nak delay after the nth failed delivery (the last repeats). Default [1 s, 5 s, 30 s]. */
  readonly backoffMs?: readonly number[];
  /** Handlers running at once in this consumer. Default 1. */
  readonly concurrency?: number;
  /**
   * Called once when a message is given up: an invalid payload, a non-retriable error, a retriable
   * one on the last allowed delivery, or a last delivery never settled (its worker died holding
   * it; reported by one of the durable's subscribers).
   */
  readonly onTerm?: (termination: Termination) => void | Promise<void>;
}

export interface DeliveryContext {
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  readonly maxDeliver: number;
  /** Stream sequence. */
  readonly seq: number;
  readonly subject: string;
  /** Tells the server the handler is alive: the ack wait starts again. */
  working(): void;
}

/** Resolve to acknowledge; throw a `retriable` error to nak with backoff, any other to terminate. */
export type Handler<K extends MessageKind> = (
  message: Message<K>,
  context: DeliveryContext,
) => void | Promise<void>;

export interface Termination {
  readonly kind: MessageKind;
  readonly reason: string;
  readonly seq: number;
  readonly subject: string;
  readonly deliveryCount: number;
  /** The parsed payload, when it was valid. */
  readonly message?: unknown;
  readonly error?: unknown;
}

/** A running consumer. */
export interface Subscription {
  /** Stops taking messages, lets running handlers finish (and ack), then resolves. */
  stop(): Promise<void>;
}

export interface Backlog {
  /** Stored messages not yet delivered to this durable. */
  readonly pending: number;
  /** Delivered and neither acknowledged nor terminated (running, or waiting for redelivery). */
  readonly unacked: number;
}

export interface BusHealth {
  readonly ok: boolean;
  readonly detail: string;
}

/** pino-compatible: `logger.warn({ ...context }, "message")`. */
export interface BusLogger {
  warn(context: Record<string, unknown>, message: string): void;
  error(context: Record<string, unknown>, message: string): void;
}

/**
 * The message bus the services talk through. One stream per message kind (see the catalog);
 * payloads are validated on publish and on receive.
 */
export interface Bus {
  /** Creates or updates the streams (dedupe window 2 minutes). Safe to call from every replica. */
  ensureStreams(): Promise<void>;
  /**
   * Resolves once JetStream stored the message. Throws `InvalidMessageError` for a bad payload
   * and `BusUnavailableError` (retriable, within about 2 s) when NATS cannot be reached.
   */
  publish<K extends MessageKind>(
    kind: K,
    message: MessageInput<K>,
    options?: PublishOptions,
  ): Promise<PublishAck>;
  /** Creates (or updates) the durable consumer and starts handling messages. */
  consume<K extends MessageKind>(
    kind: K,
    options: ConsumeOptions,
    handler: Handler<K>,
  ): Promise<Subscription>;
  /** Queue depth of one durable consumer, for metrics and tests. */
  backlog(kind: MessageKind, durable: string): Promise<Backlog>;
  /** Readiness: connected and JetStream answering. Never throws. */
  health(): Promise<BusHealth>;
  /** Stops every subscription (draining) and disconnects. */
  close(): Promise<void>;
}
