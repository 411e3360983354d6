import { randomBytes } from "node:crypto";
import { NatsBus } from "@tablesnap/bus";
import { cronSlotId, type TargetConfig } from "@tablesnap/config";
import { migrate, PgStateStore } from "@tablesnap/state";
import {
  createScratchDatabase,
  deleteStreams,
  type ScratchDatabase,
  until,
} from "@tablesnap/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { countingClaims } from "../test/counting.ts";
import { collect, push, recordingLogger, TestClock, target } from "../test/helpers.ts";
import { startCoordinator } from "./coordinator.ts";
import type { Clock, Coordinator } from "./types.ts";

const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
let db: ScratchDatabase;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await createScratchDatabase("tsnap_coord");
  await migrate(db.url);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => db?.drop());

/** Two coordinator replicas with their own NATS connections and connection pools. */
async function twoCoordinators(targets: TargetConfig[], now?: Clock) {
  const prefix = `tc${randomBytes(5).toString("hex")}`;
  cleanups.push(async () => void (await deleteStreams(NATS_URL, prefix)));
  const logger = recordingLogger();
  const open = () => {
    const bus = new NatsBus({ servers: NATS_URL, prefix, logger });
    const state = PgStateStore.open(db.url, { max: 4 });
    cleanups.push(async () => {
      await bus.close();
      await state.close();
    });
    return { bus, state };
  };
  const client = open();
  await client.bus.ensureStreams();
  const replicas: { coordinator: Coordinator; claims: () => number }[] = [];
  for (let i = 0; i < 2; i++) {
    const { bus, state } = open();
    const counted = countingClaims(state);
    const options = { config: { targets }, bus, state: counted.state, logger, tickMs: 20 };
    const coordinator = await startCoordinator(now === undefined ? options : { ...options, now });
    cleanups.push(() => coordinator.stop());
    replicas.push({ coordinator, claims: counted.claims });
  }
  /** Resolves once every replica has made `n` more claim rounds: nothing more can be pending. */
  const rounds = async (n: number) => {
    const from = replicas.map((r) => r.claims());
    await until("rounds", () => replicas.every((r, i) => r.claims() >= (from[i] ?? 0) + n));
  };
  return { ...client, rounds, logger };
}

describe("two coordinators on real NATS and PostgreSQL", () => {
  it("turn a burst of 50 triggers from 10 repositories into exactly one run and one dump", async () => {
    const name = `burst-${randomBytes(3).toString("hex")}`;
    const { bus, state, rounds } = await twoCoordinators([target(name, { debounceSeconds: 2 })]);
    const dumps = await collect(bus, "dump", "dump-workers");
    const sent = Array.from({ length: 50 }, (_, i) =>
      push(`${name}-${i}`, { target: name, source: `acme/repo-${i % 10}` }),
    );
    await Promise.all(sent.map((t) => bus.publish("trigger", t)));
    await until("the dump message", () => dumps.length === 1);
    await rounds(5);
    expect(dumps).toHaveLength(1);
    const { runs } = await state.listRuns(name);
    expect(runs).toHaveLength(1);
    expect(dumps[0]).toEqual({ run_id: runs[0]?.id, target: name });
    expect(runs[0]?.status).toBe("running");
    expect(runs[0]?.triggers.map((t) => t.id).sort()).toEqual(sent.map((t) => t.id).sort());
    expect(new Set(runs[0]?.triggers.map((t) => t.source)).size).toBe(10);
    expect(await bus.backlog("dump", "dump-workers")).toEqual({ pending: 0, unacked: 0 });
    // What resendDumps relies on: a taken (acked, removed) dump is still a duplicate to JetStream.
    expect((await bus.publish("dump", { run_id: runs[0]?.id ?? "", target: name })).duplicate).toBe(
      true,
    );
  });

  it("give one trigger and one run for a cron slot", async () => {
    const name = `cron-${randomBytes(3).toString("hex")}`;
    const schedules = [{ name: "nightly", cron: "0 3 * * *" }];
    const clock = new TestClock("2026-03-04T03:00:02Z");
    const targets = [target(name, { debounceSeconds: 0, schedules })];
    const { bus, state, rounds } = await twoCoordinators(targets, clock.now);
    const dumps = await collect(bus, "dump", "dump-workers");
    const triggers = await collect(bus, "trigger", "audit");
    await until("the slot's run", () => dumps.length === 1);
    await rounds(5);
    const id = cronSlotId(name, "nightly", new Date("2026-03-04T03:00:00Z"));
    expect(triggers.map((t) => t.id)).toEqual([id]);
    expect(dumps).toHaveLength(1);
    const { runs } = await state.listRuns(name);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.triggers.map((t) => [t.id, t.source, t.event, t.ref])).toEqual([
      [id, "cron", "schedule", "nightly"],
    ]);
  });
});
