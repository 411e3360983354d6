import { MemoryBus } from "@tablesnap/bus";
import { cronSlotId, parseCron } from "@tablesnap/config";
import { archiveFolderName } from "@tablesnap/core";
import { MemoryStateStore } from "@tablesnap/state";
import { until } from "@tablesnap/testing";
import { afterEach, describe, expect, it } from "vitest";
import { collect, recordingLogger, TestClock, target } from "../test/helpers.ts";
import { startCoordinator } from "./coordinator.ts";
import { fireDueSlots, missedSlots, scheduleCursors } from "./schedule.ts";
import type { Coordinator, CoordinatorDeps } from "./types.ts";

const running: Coordinator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

const nightly = target("default", {
  debounceSeconds: 0,
  schedules: [{ name: "nightly", cron: "0 3 * * *" }],
});
const slot = new Date("2026-03-04T03:00:00Z");

async function setup(start: string) {
  const clock = new TestClock(start);
  const logger = recordingLogger();
  const bus = new MemoryBus({ logger });
  await bus.ensureStreams();
  const state = new MemoryStateStore();
  const deps: CoordinatorDeps = {
    config: { targets: [nightly] },
    bus,
    state,
    now: clock.now,
    logger,
  };
  return { clock, bus, state, logger, deps };
}

describe("cron schedules", () => {
  it("gives one trigger and one run for a slot, with two coordinators running", async () => {
    const { clock, bus, state, deps } = await setup("2026-03-04T02:59:30Z");
    const triggers = await collect(bus, "trigger", "audit");
    const dumps = await collect(bus, "dump", "dump-workers");
    for (const b of [bus, bus.peer()]) {
      running.push(await startCoordinator({ ...deps, bus: b, tickMs: 5 }));
    }
    clock.set("2026-03-04T03:00:01Z");
    await until("the slot's run to start", () => dumps.length === 1);
    const id = cronSlotId("default", "nightly", slot);
    expect(id).toBe("default/nightly@2026-03-04T03:00Z");
    expect(triggers).toEqual([
      {
        ...{ id, target: "default", source: "cron", event: "schedule", ref: "nightly" },
        at: "2026-03-04T03:00:00.000Z",
      },
    ]);
    const { runs } = await state.listRuns("default");
    expect(runs).toHaveLength(1);
    expect(runs[0]?.triggers.map((t) => t.id)).toEqual([id]);
    // The backup's archive folder names the schedule, not "schedule" three times.
    const [t] = triggers;
    const snapshot = { time: "2026-03-04T03:00:02.000Z", server_version: "15", database: "app" };
    expect(t && archiveFolderName({ snapshot, triggers: [t] })).toBe(
      "2026-03-04T03-00-02Z--cron--schedule--nightly",
    );
  });

  it("reports the slots missed while no coordinator ran", async () => {
    const { bus, state, logger, deps } = await setup("2026-03-04T03:00:20Z");
    await state.recordSlot("default", "nightly", new Date("2026-03-01T03:00:00Z"));
    const events = await collect(bus, "event", "watch");
    running.push(await startCoordinator({ ...deps, tickMs: 5 }));
    await until("the schedule.missed event", () => events.length === 1);
    expect(events[0]).toMatchObject({
      run_id: "default/nightly@2026-03-02T03:00Z",
      target: "default",
      kind: "schedule.missed",
      data: {
        ...{ schedule: "nightly", cron: "0 3 * * *", missed: 2 },
        ...{ first: "2026-03-02T03:00:00.000Z", last: "2026-03-03T03:00:00.000Z" },
        fired: "2026-03-04T03:00:00.000Z",
      },
    });
    expect(logger.lines.join("\n")).toMatch(/warn cron slots missed while no coordinator ran/);
    expect((await state.recordSlot("default", "nightly", slot)).advanced).toBe(false);
  });

  it("fires a slot at most graceSeconds late, and counts an older one as missed", async () => {
    const { clock, bus, deps } = await setup("2026-03-04T03:09:00Z");
    const triggers = await collect(bus, "trigger", "audit");
    const late = scheduleCursors([nightly], clock.now(), 600);
    expect(await fireDueSlots(deps, late, 600)).toEqual([slot]);
    expect(late[0]?.next).toEqual(new Date("2026-03-05T03:00:00Z"));
    clock.set("2026-03-04T03:11:00Z");
    const tooLate = scheduleCursors([nightly], clock.now(), 600);
    expect(await fireDueSlots(deps, tooLate, 600)).toEqual([]);
    expect(tooLate[0]?.next).toEqual(new Date("2026-03-05T03:00:00Z"));
    await until("the one trigger", () => triggers.length === 1);
  });

  it("retries a slot whose trigger could not be published", async () => {
    const { bus, deps } = await setup("2026-03-04T03:00:05Z");
    const cursors = scheduleCursors([nightly], deps.now(), 600);
    bus.setAvailable(false);
    expect(await fireDueSlots(deps, cursors, 600)).toEqual([]);
    expect(cursors[0]?.next).toEqual(slot);
    bus.setAvailable(true);
    expect(await fireDueSlots(deps, cursors, 600)).toEqual([slot]);
  });

  it("fires a target's drill and prune slots as one maintenance message each, with two coordinators running", async () => {
    const { clock, bus, deps } = await setup("2026-03-06T03:59:30Z");
    const drilled = target("default", {
      drill: { cron: "0 4 * * 5", scratchUrlEnv: "SCRATCH" },
      retention: { keep: 5, keepDays: 0, pruneHistory: "0 4 * * *" },
    });
    const drills = await collect(bus, "maintenance", "publishers");
    const triggers = await collect(bus, "trigger", "audit");
    for (const b of [bus, bus.peer()]) {
      running.push(
        await startCoordinator({ ...deps, config: { targets: [drilled] }, bus: b, tickMs: 5 }),
      );
    }
    clock.set("2026-03-06T04:00:01Z");
    await until("the two messages", () => drills.length === 2);
    const at = "2026-03-06T04:00:00.000Z";
    expect([...drills].sort((a, b) => a.task.localeCompare(b.task))).toEqual([
      { id: "default/@drill@2026-03-06T04:00Z", target: "default", at, task: "drill" },
      { id: "default/@prune@2026-03-06T04:00Z", target: "default", at, task: "prune" },
    ]);
    expect(triggers).toEqual([]);
  });

  it("sends a task slot once, even from a coordinator started again within the grace", async () => {
    const { clock, state, logger } = await setup("2026-03-06T04:00:05Z");
    // JetStream's dedupe window has passed: only the recorded slot can keep the second one out.
    const bus = new MemoryBus({ logger, duplicateWindowMs: 1 });
    await bus.ensureStreams();
    const drilled = target("default", { drill: { cron: "0 4 * * 5", scratchUrlEnv: "SCRATCH" } });
    const deps = { config: { targets: [drilled] }, bus, state, now: clock.now, logger };
    const tasks = await collect(bus, "maintenance", "publishers");
    expect(
      await fireDueSlots(deps, scheduleCursors([drilled], clock.now(), 600), 600),
    ).toHaveLength(1);
    clock.set("2026-03-06T04:05:00Z");
    await new Promise((r) => setTimeout(r, 5));
    const again = scheduleCursors([drilled], clock.now(), 600);
    expect(again[0]?.next).toEqual(new Date("2026-03-06T04:00:00Z"));
    await fireDueSlots(deps, again, 600);
    await until("the first task", () => tasks.length === 1);
    expect(logger.lines.filter((l) => l.includes("drill slot fired"))).toHaveLength(1);
    expect(tasks).toHaveLength(1);
  });

  it("lists the slots strictly between two recorded ones", () => {
    const cron = parseCron("*/15 * * * *");
    const from = new Date("2026-03-04T10:00:00Z");
    expect(missedSlots(cron, from, new Date("2026-03-04T10:15:00Z"))).toEqual([]);
    expect(
      missedSlots(cron, from, new Date("2026-03-04T11:00:00Z")).map((d) => d.toISOString()),
    ).toEqual(["2026-03-04T10:15:00.000Z", "2026-03-04T10:30:00.000Z", "2026-03-04T10:45:00.000Z"]);
  });
});
