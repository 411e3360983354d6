import { MemoryBus } from "@tablesnap/bus";
import { MemoryStateStore } from "@tablesnap/state";
import { until } from "@tablesnap/testing";
import { afterEach, describe, expect, it } from "vitest";
import { collect, push, recordingLogger, TestClock, target } from "../test/helpers.ts";
import { startCoordinator } from "./coordinator.ts";
import { dispatchDueRuns } from "./dispatch.ts";
import type { Coordinator, CoordinatorDeps } from "./types.ts";

const running: Coordinator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

async function setup(targets = [target("default")]) {
  const clock = new TestClock("2026-03-01T10:00:00Z");
  const logger = recordingLogger();
  const bus = new MemoryBus({ logger });
  await bus.ensureStreams();
  const state = new MemoryStateStore();
  const deps: CoordinatorDeps = { config: { targets }, bus, state, now: clock.now, logger };
  const dumps = await collect(bus, "dump", "dump-workers");
  const coordinator = await startCoordinator({ ...deps, tickMs: 5 });
  running.push(coordinator);
  return { clock, bus, state, logger, deps, dumps, coordinator };
}

const drained = (bus: MemoryBus) => async () => {
  const b = await bus.backlog("trigger", "coordinator");
  return b.pending === 0 && b.unacked === 0;
};

describe("startCoordinator (memory bus and state)", () => {
  it("records a trigger on a pending run and sends its dump after the quiet period", async () => {
    const { clock, bus, state, deps, dumps } = await setup();
    await bus.publish("trigger", push("d-1"));
    await until("trigger recorded", async () => (await state.getTrigger("d-1")) !== null);
    const runId = (await state.getTrigger("d-1"))?.runId ?? "";
    expect((await state.getRun(runId))?.status).toBe("pending");
    clock.advance(29);
    expect(await dispatchDueRuns(deps)).toEqual([]);
    expect(dumps).toEqual([]);
    clock.advance(1);
    await until("the dump message", () => dumps.length === 1);
    expect(dumps).toEqual([{ run_id: runId, target: "default" }]);
    expect((await state.getRun(runId))?.status).toBe("running");
  });

  it("gathers a burst of 50 triggers from 10 repositories into one run and one dump", async () => {
    const { clock, bus, state, deps, dumps } = await setup();
    for (let i = 0; i < 50; i++) {
      await bus.publish("trigger", push(`burst-${i}`, { source: `acme/repo-${i % 10}` }));
      clock.advance(0.5); // 25 s in all: every trigger inside the 30 s quiet period
    }
    await until("every trigger recorded", drained(bus));
    const { runs } = await state.listRuns("default");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.triggers).toHaveLength(50);
    expect(new Set(runs[0]?.triggers.map((t) => t.source)).size).toBe(10);
    // Quiet for 30 s after the last trigger (recorded at about 25 s).
    clock.advance(31);
    await until("the dump message", () => dumps.length === 1);
    expect(await dispatchDueRuns(deps)).toEqual([]);
    expect(dumps).toEqual([{ run_id: runs[0]?.id, target: "default" }]);
    expect((await state.listRuns("default")).runs).toHaveLength(1);
  });

  it("records the same trigger id once, even when it is redelivered past the dedupe window", async () => {
    const { bus, state, logger } = await setup();
    await bus.publish("trigger", push("d-1"));
    // A GitHub redelivery days later: JetStream no longer knows the id, the state does.
    const again = await bus.publish("trigger", push("d-1"), { msgId: "redelivered-d-1" });
    expect(again.duplicate).toBe(false);
    await until("both deliveries handled", drained(bus));
    const { runs } = await state.listRuns("default");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.triggers.map((t) => t.id)).toEqual(["d-1"]);
    expect(logger.lines.join("\n")).toMatch(/trigger seen before: nothing to do/);
  });

  it("keeps a trigger that arrives during a run pending until that run finishes", async () => {
    const { bus, state, deps, dumps } = await setup([target("default", { debounceSeconds: 0 })]);
    await bus.publish("trigger", push("first"));
    await until("the first run's dump", () => dumps.length === 1);
    const first = dumps[0]?.run_id ?? "";
    await bus.publish("trigger", push("second"));
    await until("second trigger recorded", drained(bus));
    const second = (await state.getTrigger("second"))?.runId ?? "";
    expect(second).not.toBe(first);
    expect((await state.getRun(second))?.status).toBe("pending");
    expect(await dispatchDueRuns(deps)).toEqual([]);
    expect(dumps).toHaveLength(1);
    await state.finishRun(first, "succeeded");
    await until("the second run's dump", () => dumps.length === 2);
    expect(dumps[1]).toEqual({ run_id: second, target: "default" });
    expect((await state.getRun(second))?.status).toBe("running");
  });

  it("fails a run past its time limit and says so on the events stream", async () => {
    const only = target("default", { debounceSeconds: 0, timeLimitSeconds: 60 });
    const { clock, bus, state, dumps } = await setup([only]);
    const events = await collect(bus, "event", "watch");
    await bus.publish("trigger", push("d-1"));
    await until("the dump", () => dumps.length === 1);
    const runId = dumps[0]?.run_id ?? "";
    clock.advance(59);
    expect((await state.getRun(runId))?.status).toBe("running");
    clock.advance(2);
    await until("run failed", async () => (await state.getRun(runId))?.status === "failed");
    expect((await state.getRun(runId))?.error).toMatch(/time limit|deadline/);
    await until("the run.failed event", () => events.length === 1);
    expect(events[0]).toMatchObject({ run_id: runId, kind: "run.failed", target: "default" });
  });

  it("terminates a trigger for an unknown target, saying why", async () => {
    const { bus, state, logger } = await setup();
    await bus.publish("trigger", push("lost", { target: "nope" }));
    await until("trigger handled", drained(bus));
    expect(await state.getTrigger("lost")).toBeNull();
    expect(logger.lines.join("\n")).toMatch(/unknown target "nope"/);
  });
});
