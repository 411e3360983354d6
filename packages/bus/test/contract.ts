import { until } from "@tablesnap/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  InvalidMessageError,
  MESSAGE_KINDS,
  type MessageInput,
  type MessageKind,
  type Termination,
} from "../src/index.ts";
import { describeDelivery } from "./delivery.ts";
import { type BusFactory, drained } from "./fixture.ts";
import { job, trigger, work } from "./helpers.ts";
import { describeResilience } from "./resilience.ts";

export type { BusFactory, BusFixture } from "./fixture.ts";

/** The behaviour every Bus adapter shares; run against the JetStream one and the in-memory one. */
export function describeBus(name: string, factory: BusFactory): void {
  describe(`Bus contract: ${name}`, () => {
    afterEach(() => factory.cleanup());

    it("round-trips every kind of message from publish to handler", async () => {
      const { bus } = await factory.open();
      const at = new Date().toISOString();
      const samples: { [K in MessageKind]: MessageInput<K> } = {
        trigger: trigger("d-1", { actor: "octocat", repository: "acme/api" }),
        dump: { run_id: "run-1", target: "default" },
        job: { ...job("run-1", "users"), snapshot_id: "00000003-1", attempt: 1 },
        event: { run_id: "run-1", target: "default", kind: "table.done", at, data: { rows: 3 } },
        run: { run_id: "run-1", target: "default" },
        maintenance: {
          id: "default/@drill@2026-03-06T04:00Z",
          target: "default",
          at,
          task: "drill",
        },
      };
      const got = new Map<MessageKind, unknown>();
      for (const kind of MESSAGE_KINDS) {
        await bus.consume(kind, { durable: "rt" }, (message, ctx) => {
          got.set(kind, { message, deliveryCount: ctx.deliveryCount });
        });
      }
      for (const kind of MESSAGE_KINDS) {
        expect(await bus.publish(kind, samples[kind])).toMatchObject({ duplicate: false, seq: 1 });
      }
      await until("every kind to arrive", () => got.size === MESSAGE_KINDS.length);
      for (const kind of MESSAGE_KINDS) {
        expect(got.get(kind)).toEqual({ message: samples[kind], deliveryCount: 1 });
      }
    });

    it("refuses a malformed payload on publish, naming the fields", async () => {
      const { bus } = await factory.open();
      const noName = { run_id: "r", target: "default", table: { schema: "public" } };
      const error = await bus.publish("job", noName as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidMessageError);
      expect((error as InvalidMessageError).retriable).toBe(false);
      expect(String(error)).toMatch(/invalid job message: table\.name: /);
      await expect(bus.publish("trigger", trigger("x", { event: "tag" as never }))).rejects.toThrow(
        /invalid trigger message: event: /,
      );
      // Nothing was stored: the next good message is the stream's first.
      expect((await bus.publish("job", job("r", "t"))).seq).toBe(1);
    });

    it("terminates a malformed message on receive, logs why, and goes on", async () => {
      const fixture = await factory.open();
      const { bus } = fixture;
      await fixture.publishRaw("job", "{not json");
      await fixture.publishRaw("job", JSON.stringify({ run_id: "r", target: "default" }));
      await bus.publish("job", job("r", "users"));
      const terms: Termination[] = [];
      const handled: string[] = [];
      await bus.consume(
        "job",
        { durable: "w", onTerm: (t) => void terms.push(t) },
        (j) => void handled.push(j.table.name),
      );
      await until("one job and two terms", () => handled.length === 1 && terms.length === 2);
      expect(handled).toEqual(["users"]);
      expect(terms.map((t) => [t.reason, t.deliveryCount])).toEqual([
        [expect.stringMatching(/^invalid job message: not JSON/), 1],
        [expect.stringMatching(/^invalid job message: table: /), 1],
      ]);
      expect(fixture.logs.join("\n")).toMatch(/message terminated: invalid job message: not JSON/);
      await drained(bus, "job", "w");
    });

    it("stores a message id once; publishing it again says duplicate", async () => {
      const { bus } = await factory.open();
      const first = await bus.publish("trigger", trigger("delivery-1"));
      const again = await bus.publish("trigger", trigger("delivery-1", { note: "redelivered" }));
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ ...first, duplicate: true });
      expect(await bus.publish("trigger", trigger("delivery-2"))).toMatchObject({ seq: 2 });
      // Jobs dedupe on run and table; any kind on an explicit id.
      expect((await bus.publish("job", job("r1", "users"))).duplicate).toBe(false);
      expect((await bus.publish("job", job("r1", "users"))).duplicate).toBe(true);
      const at = new Date().toISOString();
      const event = { run_id: "r1", target: "default", kind: "run.started", at };
      expect((await bus.publish("event", event, { msgId: "e1" })).duplicate).toBe(false);
      expect((await bus.publish("event", event, { msgId: "e1" })).duplicate).toBe(true);

      const seen: unknown[] = [];
      await bus.consume("trigger", { durable: "c" }, (t) => void seen.push([t.id, t.note]));
      await until("two triggers", () => seen.length === 2);
      await drained(bus, "trigger", "c");
      expect(seen).toEqual([
        ["delivery-1", undefined],
        ["delivery-2", undefined],
      ]);
    });

    it("shares a durable consumer between replicas: each job handled exactly once", async () => {
      const fixture = await factory.open();
      const [a, b] = [fixture.bus, await fixture.peer()];
      const handled: { table: string; by: string }[] = [];
      for (const [bus, by] of [
        [a, "a"],
        [b, "b"],
      ] as const) {
        await bus.consume("job", { durable: "workers" }, async (j) => {
          handled.push({ table: j.table.name, by });
          await work(15);
        });
      }
      const tables = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, "0")}`);
      for (const t of tables) await a.publish("job", job("run-share", t));
      await until("20 jobs handled", () => handled.length >= tables.length);
      await drained(a, "job", "workers");
      expect(handled.map((h) => h.table).sort()).toEqual(tables);
      expect(new Set(handled.map((h) => h.by))).toEqual(new Set(["a", "b"]));
    });

    it("ensures streams again without harm and reports health", async () => {
      const fixture = await factory.open();
      await fixture.bus.ensureStreams();
      await (await fixture.peer()).ensureStreams();
      expect(await fixture.bus.health()).toMatchObject({ ok: true });
      expect((await fixture.bus.publish("run", { run_id: "r", target: "t" })).seq).toBe(1);
    });
    describeDelivery(factory);
    describeResilience(factory);
  });
}
