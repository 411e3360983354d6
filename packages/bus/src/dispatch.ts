import { messageOf } from "@tablesnap/core";
import { checkMessage, type Message, type MessageKind } from "./catalog.ts";
import { RetryLaterError } from "./errors.ts";
import type {
  BusLogger,
  ConsumeOptions,
  DeliveryContext,
  Handler,
  Subscription,
  Termination,
} from "./types.ts";

/** One delivery as an adapter hands it over; the dispatcher decides ack, nak or term. */
export interface RawDelivery {
  readonly data: Uint8Array;
  readonly subject: string;
  readonly seq: number;
  readonly deliveryCount: number;
  ack(): void;
  nak(delayMs: number): void;
  term(): void;
  working(): void;
}

/** Waits for the next delivery of the durable; null when there was none (or on abort). */
export type Pull = (signal: AbortSignal) => Promise<RawDelivery | null>;

export interface ConsumerSettings {
  readonly durable: string;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  readonly concurrency: number;
}

export function consumerSettings(options: ConsumeOptions): ConsumerSettings {
  const s = {
    durable: options.durable,
    ackWaitMs: options.ackWaitMs ?? 30_000,
    maxDeliver: options.maxDeliver ?? 5,
    backoffMs: options.backoffMs ?? [1_000, 5_000, 30_000],
    concurrency: options.concurrency ?? 1,
  };
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(s.durable)) {
    throw new RangeError(
      `durable name must be 1-64 of [A-Za-z0-9_-]: ${JSON.stringify(s.durable)}`,
    );
  }
  if (!(s.ackWaitMs > 0 && s.maxDeliver >= 1 && s.concurrency >= 1)) {
    throw new RangeError("ackWaitMs must be > 0, maxDeliver and concurrency >= 1");
  }
  return s;
}

export const consoleLogger: BusLogger = {
  warn: (context, message) => console.warn(`[bus] ${message}`, context),
  error: (context, message) => console.error(`[bus] ${message}`, context),
};

const decoder = new TextDecoder("utf-8", { fatal: true });

function decode<K extends MessageKind>(
  kind: K,
  data: Uint8Array,
): { ok: true; value: Message<K> } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch (error) {
    return { ok: false, reason: `invalid ${kind} message: not JSON (${messageOf(error)})` };
  }
  const checked = checkMessage(kind, json);
  return checked.ok
    ? checked
    : { ok: false, reason: `invalid ${kind} message: ${checked.issues.join("; ")}` };
}

function isRetriable(error: unknown): boolean {
  return typeof error === "object" && error !== null && Reflect.get(error, "retriable") === true;
}

function nakDelay(error: unknown, deliveryCount: number, backoffMs: readonly number[]): number {
  if (error instanceof RetryLaterError) return error.retryAfterMs;
  return backoffMs[Math.min(deliveryCount, backoffMs.length) - 1] ?? 0;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener("abort", wake, { once: true });
  });
}

/** A message whose last allowed delivery was never settled: the worker holding it died. */
export interface Abandoned {
  readonly data: Uint8Array;
  readonly subject: string;
  readonly seq: number;
  readonly deliveryCount: number;
}

interface GiveUpArgs {
  readonly kind: MessageKind;
  readonly durable: string;
  readonly onTerm: ConsumeOptions["onTerm"];
  readonly logger: BusLogger;
}

/** Logs a message given up and tells `onTerm` (whose failure is logged too). Never throws. */
async function tellGivenUp(args: GiveUpArgs, t: Termination): Promise<void> {
  const { kind, durable, logger } = args;
  const where = { kind, durable, seq: t.seq, deliveryCount: t.deliveryCount };
  logger.warn(where, `message terminated: ${t.reason}`);
  try {
    await args.onTerm?.(t);
  } catch (error) {
    logger.error({ kind, seq: t.seq, error: messageOf(error) }, "onTerm failed");
  }
}

/**
 * Tells `onTerm` of an abandoned message, so a consumer hears of every message given up and not
 * only those its handlers terminated.
 */
export function reportAbandoned(args: GiveUpArgs, a: Abandoned): Promise<void> {
  const decoded = decode(args.kind, a.data);
  return tellGivenUp(args, {
    ...{ kind: args.kind, seq: a.seq, subject: a.subject, deliveryCount: a.deliveryCount },
    reason: `gave up after ${a.deliveryCount} deliveries: the last was never acknowledged (its worker stopped while holding it)`,
    ...(decoded.ok ? { message: decoded.value } : {}),
  });
}

/**
 * Runs `concurrency` pull loops: each takes one delivery, validates it, calls the handler and
 * settles the delivery. Shared by every adapter so they settle messages the same way.
 */
export function subscribe<K extends MessageKind>(args: {
  kind: K;
  settings: ConsumerSettings;
  handler: Handler<K>;
  pull: Pull;
  logger: BusLogger;
  onTerm: ConsumeOptions["onTerm"];
  onStopped?: () => void;
}): Subscription {
  const { kind, settings, handler, pull, logger } = args;
  const controller = new AbortController();
  const { signal } = controller;

  const giveUp = { kind, durable: settings.durable, onTerm: args.onTerm, logger };
  const terminate = (d: RawDelivery, t: Omit<Termination, "kind" | "seq" | "subject">) => {
    d.term();
    return tellGivenUp(giveUp, { kind, seq: d.seq, subject: d.subject, ...t });
  };

  const handle = async (d: RawDelivery) => {
    const { deliveryCount } = d;
    const decoded = decode(kind, d.data);
    if (!decoded.ok) return terminate(d, { reason: decoded.reason, deliveryCount });
    const context: DeliveryContext = {
      deliveryCount,
      maxDeliver: settings.maxDeliver,
      seq: d.seq,
      subject: d.subject,
      working: () => d.working(),
    };
    try {
      await handler(decoded.value, context);
      d.ack();
    } catch (error) {
      const retriable = isRetriable(error);
      if (retriable && deliveryCount < settings.maxDeliver) {
        d.nak(nakDelay(error, deliveryCount, settings.backoffMs));
        return;
      }
      const reason = retriable
        ? `gave up after ${deliveryCount} deliveries: ${messageOf(error)}`
        : `failed: ${messageOf(error)}`;
      return terminate(d, { reason, deliveryCount, message: decoded.value, error });
    }
  };

  const loop = async () => {
    let failures = 0;
    while (!signal.aborted) {
      let delivery: RawDelivery | null;
      try {
        delivery = await pull(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        // Once at the start of an outage, then about every minute: the link logs the rest.
        if (failures % 12 === 1) {
          logger.warn({ kind, durable: settings.durable, error: messageOf(error) }, "pull failed");
        }
        await pause(Math.min(250 * 2 ** failures, 5_000), signal);
        continue;
      }
      if (delivery === null) continue;
      // Taken after stop(): hand it straight back for another replica.
      if (signal.aborted) delivery.nak(0);
      else await handle(delivery);
    }
  };

  const loops = Array.from({ length: settings.concurrency }, loop);
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        controller.abort();
        await Promise.all(loops);
        args.onStopped?.();
      })();
      return stopped;
    },
  };
}
