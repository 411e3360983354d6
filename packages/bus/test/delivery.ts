import { TablesnapError } from "@tablesnap/core";
import { until } from "@tablesnap/testing";
import { expect, it } from "vitest";
import { BusUnavailableError, RetryLaterError, type Termination } from "../src/index.ts";
import { type BusFactory, drained } from "./fixture.ts";
import { deferred, job, work } from "./helpers.ts";

const retriable = (message: string) => new TablesnapError("test", message, { retriable: true });

/** Part of the Bus contract: acknowledgement, redelivery, nak, term, stop. */
export function describeDelivery(factory: BusFactory): void {
  it("redelivers a message its worker never acknowledged, after the ack wait", async () => {
    const fixture = await factory.open();
    const dead = await fixture.peer();
    const received = deferred<number>();
    const release = deferred();
    const options = { durable: "w", ackWaitMs: 600 };
    await dead.consume("job", options, async () => {
      received.resolve(Date.now());
      await release.promise; // a hung worker: no ack, no working()
    });
    await fixture.bus.publish("job", job("r", "users"));
    try {
      const firstAt = await received.promise;
      const redelivered: { count: number; after: number }[] = [];
      await fixture.bus.consume("job", options, (_j, ctx) => {
        redelivered.push({ count: ctx.deliveryCount, after: Date.now() - firstAt });
      });
      await until("the redelivery", () => redelivered.length === 1);
      expect(redelivered[0]?.count).toBe(2);
      expect(redelivered[0]?.after).toBeGreaterThanOrEqual(550);
      await drained(fixture.bus, "job", "w");
    } finally {
      release.resolve(); // the late ack of the first delivery changes nothing
    }
  });

  it("keeps a long job from redelivery while the handler reports working()", async () => {
    const { bus } = await factory.open();
    const deliveries: number[] = [];
    let done = false;
    await bus.consume("job", { durable: "w", ackWaitMs: 400, concurrency: 2 }, async (_j, ctx) => {
      deliveries.push(ctx.deliveryCount);
      for (let i = 0; i < 6; i += 1) {
        await work(150);
        ctx.working();
      }
      done = true;
    });
    await bus.publish("job", job("r", "big_table"));
    await until("the long job to finish", () => done);
    await drained(bus, "job", "w");
    expect(deliveries).toEqual([1]);
  });

  it("naks a retriable failure and redelivers it after the backoff delay", async () => {
    const { bus } = await factory.open();
    const at: number[] = [];
    const options = { durable: "w", ackWaitMs: 10_000, backoffMs: [400] };
    await bus.consume("job", options, (_j, ctx) => {
      at.push(Date.now());
      if (ctx.deliveryCount === 1) throw new BusUnavailableError("state database down");
    });
    await bus.publish("job", job("r", "users"));
    await until("the second delivery", () => at.length === 2);
    const gap = (at[1] ?? 0) - (at[0] ?? 0);
    expect(gap).toBeGreaterThanOrEqual(350);
    expect(gap).toBeLessThan(5_000); // the nak delay, not the ack wait
    await drained(bus, "job", "w");
  });

  it("takes a RetryLaterError's delay over the backoff", async () => {
    const { bus } = await factory.open();
    const at: number[] = [];
    await bus.consume("run", { durable: "p", backoffMs: [60_000] }, (_r, ctx) => {
      at.push(Date.now());
      if (ctx.deliveryCount === 1) throw new RetryLaterError("tables still dumping", 300);
    });
    await bus.publish("run", { run_id: "r", target: "default" });
    await until("the second delivery", () => at.length === 2);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(250);
  });

  it("terminates a message that keeps failing once maxDeliver is reached", async () => {
    const { bus } = await factory.open();
    const terms: Termination[] = [];
    let calls = 0;
    const options = {
      durable: "w",
      maxDeliver: 3,
      backoffMs: [50],
      onTerm: (t: Termination) => void terms.push(t),
    };
    await bus.consume("job", options, () => {
      calls += 1;
      throw retriable("connection reset");
    });
    await bus.publish("job", job("r", "users"));
    await until("the termination", () => terms.length === 1);
    expect(terms[0]).toMatchObject({ kind: "job", deliveryCount: 3, message: job("r", "users") });
    expect(terms[0]?.reason).toBe("gave up after 3 deliveries: connection reset");
    await drained(bus, "job", "w");
    expect(calls).toBe(3);
  });

  it("tells onTerm of a message whose last delivery was never settled: its worker died", async () => {
    const fixture = await factory.open();
    const dead = await fixture.peer();
    const received = deferred();
    const release = deferred();
    const options = { durable: "w", ackWaitMs: 500, maxDeliver: 2, backoffMs: [50] };
    let deadCalls = 0;
    await dead.consume("job", options, async () => {
      deadCalls += 1;
      if (deadCalls === 1) throw retriable("connection reset"); // the first delivery fails
      received.resolve();
      await release.promise; // the last one hangs: no ack, no working(), as if killed
    });
    await fixture.bus.publish("job", job("r", "users"));
    try {
      await received.promise;
      const terms: Termination[] = [];
      const handled: number[] = [];
      const onTerm = (t: Termination) => void terms.push(t);
      await fixture.bus.consume("job", { ...options, onTerm }, (_j, ctx) => {
        handled.push(ctx.deliveryCount);
      });
      await until("the abandoned message to be reported", () => terms.length === 1);
      expect(terms[0]).toMatchObject({ kind: "job", deliveryCount: 2, message: job("r", "users") });
      expect(terms[0]?.reason).toBe(
        "gave up after 2 deliveries: the last was never acknowledged (its worker stopped while holding it)",
      );
      expect(handled).toEqual([]); // past maxDeliver: never delivered again
    } finally {
      release.resolve();
    }
  });

  it("terminates at once on an error that is not retriable", async () => {
    const { bus } = await factory.open();
    const terms: Termination[] = [];
    let calls = 0;
    await bus.consume("job", { durable: "w", onTerm: (t) => void terms.push(t) }, () => {
      calls += 1;
      throw new Error("table has no columns");
    });
    await bus.publish("job", job("r", "users"));
    await until("the termination", () => terms.length === 1);
    expect(terms[0]).toMatchObject({ deliveryCount: 1, reason: "failed: table has no columns" });
    await drained(bus, "job", "w");
    expect(calls).toBe(1);
  });

  it("stop() lets the running handler finish and acknowledges it", async () => {
    const { bus } = await factory.open();
    const started = deferred();
    let finished = false;
    const sub = await bus.consume("job", { durable: "w" }, async () => {
      started.resolve();
      await work(300);
      finished = true;
    });
    await bus.publish("job", job("r", "users"));
    await started.promise;
    await sub.stop();
    expect(finished).toBe(true);
    await drained(bus, "job", "w");
  });
}
