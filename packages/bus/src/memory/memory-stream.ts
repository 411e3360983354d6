import type { Abandoned, ConsumerSettings, RawDelivery } from "../dispatch.ts";
import type { Backlog } from "../types.ts";

interface Stored {
  readonly subject: string;
  readonly data: Uint8Array;
}

/** Where one message stands for one durable consumer. */
interface Tracked {
  deliveries: number;
  /** Delivery number now out with a handler; 0 when none. */
  inflight: number;
  notBefore: number;
  done: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

type Waiter = (delivery: RawDelivery | null) => void;

/** One JetStream-like stream in memory: sequence numbers, a dedupe window, durable groups. */
export class MemoryStream {
  readonly messages = new Map<number, Stored>();
  readonly groups = new Map<string, MemoryGroup>();
  #seq = 0;
  readonly #ids = new Map<string, { seq: number; at: number }>();

  readonly name: string;
  readonly workQueue: boolean;
  readonly duplicateWindowMs: number;
  readonly isAvailable: () => boolean;

  constructor(name: string, workQueue: boolean, duplicateWindowMs: number, up: () => boolean) {
    this.name = name;
    this.workQueue = workQueue;
    this.duplicateWindowMs = duplicateWindowMs;
    this.isAvailable = up;
  }

  append(subject: string, data: Uint8Array, msgId?: string): { seq: number; duplicate: boolean } {
    const now = Date.now();
    for (const [id, seen] of this.#ids)
      if (now - seen.at > this.duplicateWindowMs) this.#ids.delete(id);
    const seen = msgId === undefined ? undefined : this.#ids.get(msgId);
    if (seen) return { seq: seen.seq, duplicate: true };
    const seq = ++this.#seq;
    this.messages.set(seq, { subject, data });
    if (msgId !== undefined) this.#ids.set(msgId, { seq, at: now });
    for (const group of this.groups.values()) group.pump();
    return { seq, duplicate: false };
  }

  group(settings: ConsumerSettings): MemoryGroup {
    let group = this.groups.get(settings.durable);
    if (group) group.settings = settings;
    else {
      if (this.workQueue && this.groups.size > 0) {
        throw new Error(`work queue ${this.name} already has a consumer: one durable per kind`);
      }
      group = new MemoryGroup(this, settings);
      this.groups.set(settings.durable, group);
    }
    return group;
  }

  close(): void {
    for (const group of this.groups.values()) group.close();
  }
}

/** A durable consumer: every subscriber pulling from it shares its messages. */
export class MemoryGroup {
  readonly #tracked = new Map<number, Tracked>();
  readonly #waiters: Waiter[] = [];
  readonly #abandonedListeners: ((a: Abandoned) => void)[] = [];
  #wake: ReturnType<typeof setTimeout> | undefined;

  readonly stream: MemoryStream;
  settings: ConsumerSettings;

  constructor(stream: MemoryStream, settings: ConsumerSettings) {
    this.stream = stream;
    this.settings = settings;
  }

  pull(signal: AbortSignal): Promise<RawDelivery | null> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(null);
      const waiter: Waiter = (d) => {
        signal.removeEventListener("abort", onAbort);
        resolve(d);
      };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        resolve(null);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
      this.pump();
    });
  }

  /** Hands ready messages to waiting subscribers, in stream order. */
  pump(): void {
    if (!this.stream.isAvailable()) return;
    const now = Date.now();
    let nextAt = Number.POSITIVE_INFINITY;
    for (const [seq, stored] of this.stream.messages) {
      if (this.#waiters.length === 0) break;
      const t = this.#track(seq);
      if (t.done || t.inflight > 0 || t.deliveries >= this.settings.maxDeliver) continue;
      if (t.notBefore > now) {
        nextAt = Math.min(nextAt, t.notBefore);
        continue;
      }
      this.#waiters.shift()?.(this.#deliver(seq, stored, t));
    }
    clearTimeout(this.#wake);
    if (nextAt < Number.POSITIVE_INFINITY) this.#wake = setTimeout(() => this.pump(), nextAt - now);
  }

  /** Listens for messages whose last delivery's ack wait ran out; one listener hears each. */
  onAbandoned(listener: (a: Abandoned) => void): () => void {
    this.#abandonedListeners.push(listener);
    return () => {
      const at = this.#abandonedListeners.indexOf(listener);
      if (at >= 0) this.#abandonedListeners.splice(at, 1);
    };
  }

  backlog(): Backlog {
    let pending = 0;
    let unacked = 0;
    for (const seq of this.stream.messages.keys()) {
      const t = this.#track(seq);
      if (t.done) continue;
      if (t.deliveries === 0) pending += 1;
      else if (t.inflight > 0 || t.deliveries < this.settings.maxDeliver) unacked += 1;
    }
    return { pending, unacked };
  }

  close(): void {
    clearTimeout(this.#wake);
    for (const t of this.#tracked.values()) clearTimeout(t.timer);
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }

  #track(seq: number): Tracked {
    let t = this.#tracked.get(seq);
    if (!t) {
      t = { deliveries: 0, inflight: 0, notBefore: 0, done: false };
      this.#tracked.set(seq, t);
    }
    return t;
  }

  #deliver(seq: number, stored: Stored, t: Tracked): RawDelivery {
    t.deliveries += 1;
    const token = t.deliveries;
    t.inflight = token;
    const current = () => t.inflight === token && !t.done;
    const arm = () => {
      clearTimeout(t.timer);
      t.timer = setTimeout(() => {
        if (!current()) return;
        t.inflight = 0; // ack wait expired: a dead worker's message goes out again
        if (t.deliveries >= this.settings.maxDeliver) {
          const a = { data: stored.data, subject: stored.subject, seq, deliveryCount: token };
          this.#abandonedListeners[0]?.(a);
        }
        this.pump();
      }, this.settings.ackWaitMs);
    };
    const finish = () => {
      if (t.done) return;
      t.done = true;
      t.inflight = 0;
      clearTimeout(t.timer);
      if (this.stream.workQueue) this.stream.messages.delete(seq);
    };
    arm();
    return {
      data: stored.data,
      subject: stored.subject,
      seq,
      deliveryCount: token,
      ack: finish, // a late ack from an earlier delivery still counts, as in JetStream
      term: finish,
      working: () => current() && arm(),
      nak: (delayMs) => {
        if (!current()) return;
        clearTimeout(t.timer);
        t.inflight = 0;
        t.notBefore = Date.now() + delayMs;
        this.pump();
      },
    };
  }
}
