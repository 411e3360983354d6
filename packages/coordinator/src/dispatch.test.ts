import { MemoryBus } from "@tablesnap/bus";
import { MemoryStateStore } from "@tablesnap/state";
import { until } from "@tablesnap/testing";
import { describe, expect, it } from "vitest";
import { collect, recordingLogger, TestClock, target } from "../test/helpers.ts";
import { dispatchDueRuns } from "./dispatch.ts";
import { resendDumps } from "./resend.ts";
import type { CoordinatorDeps } from "./types.ts";

async function setup() {
  const clock = new TestClock("2026-03-01T10:00:00Z");
  const logger = recordingLogger();
  const bus = new MemoryBus({ logger });
  await bus.ensureStreams();
  const state = new MemoryStateStore();
  const targets = [target("default", { debounceSeconds: 0 })];
  const deps: CoordinatorDeps = { config: { targets }, bus, state, now: clock.now, logger };
  const at = clock.now();
  const trigger = { id: "d-1", target: "default", source: "api", event: "manual" } as const;
  await state.recordTrigger(
    { ...trigger, ref: "x", receivedAt: at },
    { debounceSeconds: 0, now: at },
  );
  return { clock, bus, state, logger, deps };
}

describe("dump dispatch", () => {
  it("sends a dump lost to a NATS outage once NATS is back, within the dedupe window", async () => {
    const { clock, bus, logger, deps } = await setup();
    bus.setAvailable(false);
    const [run] = await dispatchDueRuns(deps);
    expect(run?.status).toBe("running");
    expect(logger.lines.join("\n")).toMatch(/run started; dump not sent yet/);
    bus.setAvailable(true);
    const dumps = await collect(bus, "dump", "dump-workers");
    expect(await resendDumps(deps)).toEqual([]); // too soon: the first publish may be in flight
    clock.advance(6);
    const tries = new Map<string, number>();
    expect(await resendDumps(deps, tries)).toEqual([run?.id]);
    clock.advance(11);
    expect(await resendDumps(deps, tries)).toEqual([]); // deduplicated: the worker has it once
    await until("the dump", () => dumps.length === 1);
    expect(dumps).toEqual([{ run_id: run?.id, target: "default" }]);
  });

  it("never resends once a worker opened the snapshot, nor after the window", async () => {
    const { clock, state, deps } = await setup();
    const [run] = await dispatchDueRuns(deps);
    clock.advance(6);
    expect(await resendDumps(deps)).toEqual([]); // the first one arrived: a duplicate
    await state.startAttempt(run?.id ?? "", { snapshotId: "00000003-1", backupId: run?.id ?? "" });
    clock.advance(20);
    expect(await resendDumps(deps)).toEqual([]);
    expect(await dispatchDueRuns(deps)).toEqual([]);
  });
});
