import { describe, expect, it } from "vitest";
import { WriteBudget } from "./budget.ts";

/** A budget on a clock that only moves when it sleeps. */
function fakeBudget(perMinute: number, perHour: number) {
  let t = 1_000_000;
  const waits: Array<[number, string]> = [];
  const budget = new WriteBudget({
    perMinute,
    perHour,
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    onWait: (ms, window) => waits.push([ms, window]),
  });
  return { budget, waits, now: () => t, advance: (ms: number) => (t += ms) };
}

describe("WriteBudget", () => {
  it("lets a minute's worth through, then waits for the oldest to leave the window", async () => {
    const f = fakeBudget(3, 100);
    for (let i = 0; i < 3; i++) await f.budget.take();
    expect(f.waits).toEqual([]);
    f.advance(10_000);
    await f.budget.take();
    expect(f.waits).toEqual([[50_000, "minute"]]);
    // All three were sent at one instant: they leave the window together.
    expect(f.budget.used()).toEqual({ minute: 1, hour: 4 });
  });

  it("keeps to the hourly limit too, and plans how long n more writes take", async () => {
    const f = fakeBudget(80, 5);
    expect(f.budget.plan(5)).toBe(0);
    expect(f.budget.plan(6)).toBe(3_600_000);
    for (let i = 0; i < 5; i++) await f.budget.take();
    f.advance(60_000);
    expect(f.budget.plan(1)).toBe(3_540_000);
    await f.budget.take();
    expect(f.waits).toEqual([[3_540_000, "hour"]]);
  });

  it("serves concurrent callers one after the other, never more than allowed", async () => {
    const f = fakeBudget(2, 100);
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map(async () => {
        await f.budget.take();
        order.push(f.now());
      }),
    );
    expect(order).toHaveLength(5);
    // Never more than 2 inside any 60 s.
    for (let i = 2; i < order.length; i++)
      expect((order[i] ?? 0) - (order[i - 2] ?? 0)).toBeGreaterThanOrEqual(60_000);
    // GitHub's own limits by default.
    expect(new WriteBudget()).toMatchObject({
      perMinute: 80,
      perHour: 500,
      burst: 10,
      spacingMs: 1000,
    });
  });

  it("sends a burst at once, then one write a second (GitHub's advice for many writes)", async () => {
    const f = fakeBudget(80, 500);
    const sent: number[] = [];
    for (let i = 0; i < 13; i++) {
      await f.budget.take();
      sent.push(f.now() - 1_000_000);
    }
    expect(sent).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000, 2000, 3000]);
    expect(f.budget.plan(2)).toBe(2000);
    // Once the burst has left the minute, writes go at once again.
    f.advance(61_000);
    await f.budget.take();
    expect(f.now() - 1_000_000).toBe(64_000);
  });
});
