import { until } from "@tablesnap/testing";
import type { Bus, MessageKind } from "../src/index.ts";

export interface BusFixture {
  /** A bus in its own namespace, streams ensured. */
  readonly bus: Bus;
  /** What the adapter logged. */
  readonly logs: readonly string[];
  /** Another client of the same namespace: a second replica of a service. */
  peer(): Promise<Bus>;
  /** Stores bytes on the kind's stream without validation: a broken or foreign publisher. */
  publishRaw(kind: MessageKind, data: string): Promise<void>;
}

export interface BusFactory {
  open(): Promise<BusFixture>;
  /** A bus whose server cannot be reached. */
  unreachable(): Promise<Bus>;
  /** A bus on a server the test can take down and bring back. */
  outage(): Promise<{ bus: Bus; down(): Promise<void>; up(): Promise<void> }>;
  /** Closes and removes whatever the test opened. */
  cleanup(): Promise<void>;
}

/** Waits until the durable has nothing left: every message acknowledged or terminated. */
export async function drained(bus: Bus, kind: MessageKind, durable: string): Promise<void> {
  await until(`${kind}/${durable} to be drained`, async () => {
    const b = await bus.backlog(kind, durable);
    return b.pending === 0 && b.unacked === 0;
  });
}
