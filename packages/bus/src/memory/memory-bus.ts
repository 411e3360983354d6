import {
  catalog,
  checkMessage,
  MESSAGE_KINDS,
  type MessageInput,
  type MessageKind,
  msgIdOf,
  subjectOf,
} from "../catalog.ts";
import { consoleLogger, consumerSettings, reportAbandoned, subscribe } from "../dispatch.ts";
import { BusUnavailableError, InvalidMessageError } from "../errors.ts";
import type {
  Backlog,
  Bus,
  BusHealth,
  BusLogger,
  ConsumeOptions,
  Handler,
  PublishAck,
  PublishOptions,
  Subscription,
} from "../types.ts";
import { MemoryStream } from "./memory-stream.ts";

const PREFIX = "memory";

/** What peers share: the streams, and whether "the server" is up. */
class Broker {
  available = true;
  readonly streams = new Map<MessageKind, MemoryStream>();
}

export interface MemoryBusOptions {
  readonly logger?: BusLogger;
  /** JetStream's dedupe window; default 2 minutes. */
  readonly duplicateWindowMs?: number;
}

/**
 * The bus in memory, for tests and the single-process CLI: same catalog, same validation,
 * same ack/nak/term rules, ack wait and dedupe as the JetStream adapter.
 *
 * @example
 * const bus = new MemoryBus();
 * await bus.ensureStreams();
 * await bus.consume("job", { durable: "workers" }, async (job) => dump(job.table));
 */
export class MemoryBus implements Bus {
  #broker = new Broker();
  readonly #options: MemoryBusOptions;
  readonly #subscriptions = new Set<Subscription>();
  #closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.#options = options;
  }

  /** Another client of the same in-memory server, like a second replica. */
  peer(): MemoryBus {
    const peer = new MemoryBus(this.#options);
    peer.#broker = this.#broker;
    return peer;
  }

  /** Simulates the server going away (false) and coming back (true), for every peer. */
  setAvailable(available: boolean): void {
    this.#broker.available = available;
    if (available)
      for (const s of this.#broker.streams.values()) for (const g of s.groups.values()) g.pump();
  }

  async ensureStreams(): Promise<void> {
    this.#check();
    for (const kind of MESSAGE_KINDS) {
      if (this.#broker.streams.has(kind)) continue;
      const { stream, retention } = catalog[kind];
      const window = this.#options.duplicateWindowMs ?? 120_000;
      const available = () => this.#broker.available;
      this.#broker.streams.set(
        kind,
        new MemoryStream(`${PREFIX}_${stream}`, retention === "workqueue", window, available),
      );
    }
  }

  async publish<K extends MessageKind>(
    kind: K,
    message: MessageInput<K>,
    options: PublishOptions = {},
  ): Promise<PublishAck> {
    const checked = checkMessage(kind, message);
    if (!checked.ok) throw new InvalidMessageError(kind, checked.issues);
    const data = new TextEncoder().encode(JSON.stringify(checked.value));
    const subject = subjectOf(PREFIX, kind, checked.value);
    return this.publishRaw(kind, data, subject, msgIdOf(kind, checked.value, options.msgId));
  }

  /** Stores bytes as they are, skipping validation: a foreign or broken publisher, for tests. */
  async publishRaw(
    kind: MessageKind,
    data: Uint8Array,
    subject = `${PREFIX}.${catalog[kind].token}.raw`,
    msgId?: string,
  ): Promise<PublishAck> {
    const stream = this.#stream(kind);
    return { ...stream.append(subject, data, msgId), stream: stream.name };
  }

  async consume<K extends MessageKind>(
    kind: K,
    options: ConsumeOptions,
    handler: Handler<K>,
  ): Promise<Subscription> {
    const settings = consumerSettings(options);
    const group = this.#stream(kind).group(settings);
    const logger = this.#options.logger ?? consoleLogger;
    const { onTerm } = options;
    const report = { kind, durable: settings.durable, onTerm, logger };
    const unlisten = onTerm ? group.onAbandoned((a) => void reportAbandoned(report, a)) : () => {};
    const subscription = subscribe({
      kind,
      settings,
      handler,
      pull: (signal) => group.pull(signal),
      logger,
      onTerm,
      onStopped: () => {
        unlisten();
        this.#subscriptions.delete(subscription);
      },
    });
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async backlog(kind: MessageKind, durable: string): Promise<Backlog> {
    const group = this.#stream(kind).groups.get(durable);
    if (!group) throw new Error(`no consumer ${durable} on ${kind}`);
    return group.backlog();
  }

  async health(): Promise<BusHealth> {
    if (this.#closed) return { ok: false, detail: "bus closed" };
    return this.#broker.available
      ? { ok: true, detail: "memory bus" }
      : { ok: false, detail: "memory bus set unavailable" };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
  }

  #check(): void {
    if (this.#closed) throw new BusUnavailableError("bus closed");
    if (!this.#broker.available) throw new BusUnavailableError("memory bus set unavailable");
  }

  #stream(kind: MessageKind): MemoryStream {
    this.#check();
    const stream = this.#broker.streams.get(kind);
    if (!stream) {
      throw new BusUnavailableError(`no stream for ${kind} messages: call ensureStreams() first`);
    }
    return stream;
  }
}
