import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { messageOf } from "@tablesnap/core";
import { BusUnavailableError } from "../errors.ts";
import type { BusLogger } from "../types.ts";

export interface LinkOptions {
  readonly servers: string | readonly string[];
  readonly name: string;
  /** Bound on one connection attempt. */
  readonly connectTimeoutMs: number;
  readonly logger: BusLogger;
  /** Extra nats.js options: TLS, credentials, authenticator. */
  readonly connection?: Partial<NodeConnectionOptions>;
}

/** Servers for messages, without user:password. */
export function redact(servers: string | readonly string[]): string {
  return [servers]
    .flat()
    .map((s) => s.replace(/\/\/[^@/]*@/, "//***@"))
    .join(",");
}

/**
 * Keeps one NATS connection, connecting in the background until it succeeds, so a service can
 * start (and answer 503) while NATS is down. Knows at every moment whether the link is up, which
 * lets a publish fail at once instead of buffering into a dead socket.
 */
export class NatsLink {
  readonly #options: LinkOptions;
  #nc: NatsConnection | undefined;
  #up = false;
  #closed = false;
  #lastError = "not connected yet";
  #attempt: Promise<void>;
  readonly #waiters = new Set<() => void>();

  constructor(options: LinkOptions) {
    this.#options = options;
    this.#attempt = this.#connect();
  }

  get up(): boolean {
    return this.#up && this.#nc !== undefined && !this.#nc.isClosed();
  }

  get lastError(): string {
    return this.#lastError;
  }

  /** The live connection, waiting up to `waitMs` for it; `BusUnavailableError` after that. */
  async connection(waitMs: number): Promise<NatsConnection> {
    if (!this.up && !this.#closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        this.#waiters.add(done);
      });
    }
    if (this.#closed) throw new BusUnavailableError("bus closed");
    if (this.up && this.#nc) return this.#nc;
    const servers = redact(this.#options.servers);
    throw new BusUnavailableError(`NATS unreachable at ${servers}: ${this.#lastError}`, {
      context: { servers },
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake();
    const nc = this.#nc;
    this.#nc = undefined;
    if (nc && !nc.isClosed()) {
      // drain() flushes pending acks; on a dead link it would wait for nothing.
      await (this.#up ? nc.drain() : nc.close()).catch(() => nc.close());
    }
    await this.#attempt;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  async #connect(): Promise<void> {
    const { servers, name, connectTimeoutMs, logger } = this.#options;
    for (let failures = 0; !this.#closed; failures += 1) {
      try {
        const nc = await connect({
          ...this.#options.connection,
          servers: [servers].flat(),
          name,
          timeout: connectTimeoutMs,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          pingInterval: 10_000,
          maxPingOut: 2,
        });
        if (this.#closed) return void (await nc.close());
        this.#nc = nc;
        this.#up = true;
        if (failures > 0) logger.warn({ servers: redact(servers) }, "connected to NATS");
        void this.#watch(nc);
        this.#wake();
        return;
      } catch (error) {
        this.#lastError = messageOf(error);
        if (failures % 30 === 0) {
          logger.warn({ servers: redact(servers), error: this.#lastError }, "NATS unreachable");
        }
        await this.#pause(Math.min(250 * 2 ** failures, 2_000));
      }
    }
  }

  async #watch(nc: NatsConnection): Promise<void> {
    const { logger, servers } = this.#options;
    void nc.closed().then((error) => {
      if (this.#closed || this.#nc !== nc) return;
      // Closed for good (auth revoked, server told us to go away): start over.
      this.#up = false;
      this.#nc = undefined;
      this.#lastError = error ? messageOf(error) : "connection closed";
      logger.error({ servers: redact(servers), error: this.#lastError }, "NATS connection closed");
      this.#attempt = this.#connect();
    });
    for await (const status of nc.status()) {
      if (status.type === "disconnect") {
        this.#up = false;
        this.#lastError = "disconnected, reconnecting";
        if (!this.#closed) logger.warn({ servers: redact(servers) }, "NATS disconnected");
      } else if (status.type === "reconnect") {
        this.#up = true;
        logger.warn({ servers: redact(servers) }, "NATS reconnected");
        this.#wake();
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }
}
