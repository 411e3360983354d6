import {
  JetStreamApiError,
  type JetStreamClient,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import { messageOf } from "@tablesnap/core";
import {
  checkMessage,
  checkPrefix,
  filterSubject,
  MESSAGE_KINDS,
  type MessageInput,
  type MessageKind,
  msgIdOf,
  streamName,
  subjectOf,
} from "../catalog.ts";
import { consoleLogger, consumerSettings, reportAbandoned, subscribe } from "../dispatch.ts";
import { BusUnavailableError, InvalidMessageError, PublishRejectedError } from "../errors.ts";
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
import { watchAbandoned } from "./abandoned.ts";
import { NatsLink } from "./link.ts";
import { natsPuller } from "./pull.ts";
import { ensureConsumer, ensureStream, streamConfig } from "./streams.ts";

export interface NatsBusOptions {
  /** `nats://host:4222`, or several for a cluster. */
  readonly servers: string | readonly string[];
  /** Names streams (`${prefix}_TRIGGERS`) and subjects (`${prefix}.triggers.>`); default `tablesnap`. */
  readonly prefix?: string;
  /** Connection name the server shows. */
  readonly name?: string;
  readonly logger?: BusLogger;
  /** Whole budget of one publish, waiting for the link included. Default 2 000 ms. */
  readonly publishTimeoutMs?: number;
  /** How long `ensureStreams`, `consume` and `backlog` wait for the link. Default 30 000 ms. */
  readonly startupTimeoutMs?: number;
  /** Bound on one connection attempt. Default 2 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Default 120 000 ms. */
  readonly duplicateWindowMs?: number;
  /** Stream replicas in a cluster. Default 1. */
  readonly replicas?: number;
  /** Extra nats.js options: TLS, credentials. */
  readonly connection?: Partial<NodeConnectionOptions>;
}

const encoder = new TextEncoder();
/** Errors that mean "NATS or JetStream is not there right now". */
const UNAVAILABLE = new Set([
  "TimeoutError",
  "ConnectionError",
  "ClosedConnectionError",
  "DrainingConnectionError",
  "NoRespondersError",
  "RequestError",
  "JetStreamNotEnabled",
]);

/**
 * The bus on NATS JetStream (server 2.9 or later). Connects in the background and keeps
 * reconnecting; see the package README for streams and subjects.
 *
 * @example
 * const bus = new NatsBus({ servers: env.NATS_URL, prefix: env.TABLESNAP_NATS_PREFIX });
 * await bus.ensureStreams();
 * const { duplicate } = await bus.publish("trigger", trigger); // message id = trigger.id
 */
export class NatsBus implements Bus {
  readonly prefix: string;
  readonly #options: NatsBusOptions;
  readonly #link: NatsLink;
  readonly #logger: BusLogger;
  readonly #subscriptions = new Set<Subscription>();
  #js: { nc: NatsConnection; js: JetStreamClient } | undefined;

  constructor(options: NatsBusOptions) {
    this.prefix = checkPrefix(options.prefix ?? "tablesnap");
    this.#options = options;
    this.#logger = options.logger ?? consoleLogger;
    this.#link = new NatsLink({
      servers: options.servers,
      name: options.name ?? `tablesnap-${this.prefix}`,
      connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
      logger: this.#logger,
      ...(options.connection ? { connection: options.connection } : {}),
    });
  }

  async ensureStreams(): Promise<void> {
    const jsm = await this.#manager();
    const settings = {
      prefix: this.prefix,
      duplicateWindowMs: this.#options.duplicateWindowMs ?? 120_000,
      replicas: this.#options.replicas ?? 1,
    };
    for (const kind of MESSAGE_KINDS) await ensureStream(jsm, streamConfig(kind, settings));
  }

  async publish<K extends MessageKind>(
    kind: K,
    message: MessageInput<K>,
    options: PublishOptions = {},
  ): Promise<PublishAck> {
    const checked = checkMessage(kind, message);
    if (!checked.ok) throw new InvalidMessageError(kind, checked.issues);
    const budget = this.#options.publishTimeoutMs ?? 2_000;
    const deadline = Date.now() + budget;
    const nc = await this.#link.connection(budget);
    const msgID = msgIdOf(kind, checked.value, options.msgId);
    try {
      const ack = await this.#jetstream(nc).publish(
        subjectOf(this.prefix, kind, checked.value),
        encoder.encode(JSON.stringify(checked.value)),
        { timeout: Math.max(deadline - Date.now(), 250), ...(msgID ? { msgID } : {}) },
      );
      return { duplicate: ack.duplicate, seq: ack.seq, stream: ack.stream };
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      const overloaded = error instanceof JetStreamApiError && error.status >= 500;
      if (!overloaded && (error instanceof JetStreamApiError || !UNAVAILABLE.has(name))) {
        throw new PublishRejectedError(kind, messageOf(error), { cause: error });
      }
      const hint = name === "JetStreamNotEnabled" ? " (no stream: run ensureStreams)" : "";
      throw new BusUnavailableError(`publishing ${kind} failed: ${messageOf(error)}${hint}`, {
        cause: error,
        context: { kind },
      });
    }
  }

  async consume<K extends MessageKind>(
    kind: K,
    options: ConsumeOptions,
    handler: Handler<K>,
  ): Promise<Subscription> {
    const settings = consumerSettings(options);
    const stream = streamName(this.prefix, kind);
    await ensureConsumer(await this.#manager(), stream, filterSubject(this.prefix, kind), settings);
    const { durable } = settings;
    const { onTerm } = options;
    const logger = this.#logger;
    const abandoned = onTerm
      ? await watchAbandoned({
          ...{ link: this.#link, stream, durable, logger },
          manager: (nc) => jetstreamManager(nc, { timeout: 5_000 }),
          waitMs: this.#options.startupTimeoutMs ?? 30_000,
          onAbandoned: (a) => reportAbandoned({ kind, durable, onTerm, logger }, a),
        })
      : undefined;
    const pulling = subscribe({
      kind,
      settings,
      handler,
      pull: natsPuller(this.#link, (nc) => this.#jetstream(nc), stream, durable),
      logger,
      onTerm,
    });
    const subscription: Subscription = {
      stop: async () => {
        await Promise.all([pulling.stop(), abandoned?.stop()]);
        this.#subscriptions.delete(subscription);
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async backlog(kind: MessageKind, durable: string): Promise<Backlog> {
    const info = await (await this.#manager()).consumers.info(
      streamName(this.prefix, kind),
      durable,
    );
    return { pending: info.num_pending, unacked: info.num_ack_pending };
  }

  async health(): Promise<BusHealth> {
    if (!this.#link.up) return { ok: false, detail: `NATS: ${this.#link.lastError}` };
    try {
      const nc = await this.#link.connection(0);
      await (await jetstreamManager(nc, { timeout: 2_000 })).getAccountInfo();
      return { ok: true, detail: `NATS ${nc.info?.version ?? "?"}, JetStream reachable` };
    } catch (error) {
      return { ok: false, detail: `JetStream: ${messageOf(error)}` };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    await this.#link.close();
  }

  async #manager() {
    const nc = await this.#link.connection(this.#options.startupTimeoutMs ?? 30_000);
    return jetstreamManager(nc, { timeout: 5_000 });
  }

  #jetstream(nc: NatsConnection): JetStreamClient {
    if (this.#js?.nc !== nc) this.#js = { nc, js: jetstream(nc) };
    return this.#js.js;
  }
}
