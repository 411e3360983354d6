import { until } from "@tablesnap/testing";
import { expect, it } from "vitest";
import { BusUnavailableError } from "../src/index.ts";
import type { BusFactory } from "./fixture.ts";
import { trigger } from "./helpers.ts";

async function timedFailure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

/** Part of the Bus contract: what happens when NATS is not there. */
export function describeResilience(factory: BusFactory): void {
  it("fails fast with a retriable BusUnavailableError when NATS cannot be reached", async () => {
    const bus = await factory.unreachable();
    const { error, ms } = await timedFailure(bus.publish("trigger", trigger("d-1")));
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect((error as BusUnavailableError).retriable).toBe(true);
    expect(ms).toBeLessThan(3_000);
    expect(await bus.health()).toMatchObject({ ok: false });
  });

  it("fails fast while the server is down, and messages flow again once it is back", async () => {
    const { bus, down, up } = await factory.outage();
    const seen: string[] = [];
    await bus.consume("trigger", { durable: "coordinator" }, (t) => void seen.push(t.id));
    await bus.publish("trigger", trigger("before"));
    await until("the first trigger", () => seen.includes("before"));

    await down();
    const { error, ms } = await timedFailure(bus.publish("trigger", trigger("during")));
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect(ms).toBeLessThan(3_000);
    await until("health to report the outage", async () => !(await bus.health()).ok);

    await up();
    await until(
      "a publish to succeed again",
      () =>
        bus.publish("trigger", trigger("after")).then(
          () => true,
          () => false,
        ),
      20_000,
    );
    await until("the consumer to receive again", () => seen.includes("after"), 20_000);
    expect(await bus.health()).toMatchObject({ ok: true });
  });
}
