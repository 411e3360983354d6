import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { freePort, until } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BusFactory, describeBus } from "../../test/contract.ts";
import { recordingLogger } from "../../test/helpers.ts";
import { catalog, MESSAGE_KINDS, streamName } from "../catalog.ts";
import { PublishRejectedError } from "../errors.ts";
import type { Bus } from "../types.ts";
import { NatsBus } from "./nats-bus.ts";

const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
const NATS_SERVER = process.env["NATS_SERVER_BIN"] ?? "/usr/sbin/nats-server";

let admin: NatsConnection;
const prefixes: string[] = [];
const buses: Bus[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  admin = await connect({ servers: NATS_URL });
});
afterAll(() => admin.close());

const accepting = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
  });

function bus(servers: string, prefix: string, logger = recordingLogger()): NatsBus {
  const b = new NatsBus({ servers, prefix, logger });
  buses.push(b);
  return b;
}

/** A nats-server of our own, on a free port and a throw-away store, that a test may kill. */
async function ownServer() {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "tablesnap-nats-"));
  let child: ChildProcess | undefined;
  const up = async () => {
    const args = ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir];
    child = spawn(NATS_SERVER, args, { stdio: "ignore" });
    await until(`nats-server on port ${port}`, () => accepting(port));
  };
  const down = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise((resolve) => c.once("exit", resolve).kill("SIGKILL"));
  };
  cleanups.push(async () => {
    await down();
    await rm(dir, { recursive: true, force: true });
  });
  await up();
  return { url: `nats://127.0.0.1:${port}`, up, down };
}

const factory: BusFactory = {
  async open() {
    const prefix = `t${randomBytes(5).toString("hex")}`;
    prefixes.push(prefix);
    const logger = recordingLogger();
    const main = bus(NATS_URL, prefix, logger);
    await main.ensureStreams();
    return {
      bus: main,
      logs: logger.lines,
      peer: async () => bus(NATS_URL, prefix),
      publishRaw: async (kind, data) => {
        await jetstream(admin).publish(`${prefix}.${catalog[kind].token}.raw`, data);
      },
    };
  },
  async unreachable() {
    return bus(`nats://127.0.0.1:${await freePort()}`, "unreachable");
  },
  async outage() {
    const server = await ownServer();
    const b = bus(server.url, "outage");
    await b.ensureStreams();
    return { bus: b, down: server.down, up: server.up };
  },
  async cleanup() {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    const jsm = await jetstreamManager(admin);
    for (const prefix of prefixes.splice(0)) {
      for (const kind of MESSAGE_KINDS) await jsm.streams.delete(streamName(prefix, kind));
    }
    for (const cleanup of cleanups.splice(0)) await cleanup();
  },
};

describeBus("nats", factory);

describe("NatsBus streams", () => {
  it("names streams and subjects from the prefix, with a 2-minute dedupe window", async () => {
    const { bus } = await factory.open();
    const prefix = (bus as NatsBus).prefix;
    const jsm = await jetstreamManager(admin);
    const streams = await Promise.all(
      MESSAGE_KINDS.map((k) => jsm.streams.info(streamName(prefix, k))),
    );
    expect(
      streams.map((s) => [
        s.config.name,
        s.config.subjects,
        s.config.retention,
        s.config.duplicate_window,
      ]),
    ).toEqual([
      [`${prefix}_TRIGGERS`, [`${prefix}.triggers.>`], RetentionPolicy.Limits, 120e9],
      [`${prefix}_DUMPS`, [`${prefix}.dumps.>`], RetentionPolicy.Workqueue, 120e9],
      [`${prefix}_JOBS`, [`${prefix}.jobs.>`], RetentionPolicy.Workqueue, 120e9],
      [`${prefix}_EVENTS`, [`${prefix}.events.>`], RetentionPolicy.Limits, 120e9],
      [`${prefix}_RUNS`, [`${prefix}.runs.>`], RetentionPolicy.Workqueue, 120e9],
      [`${prefix}_MAINTENANCE`, [`${prefix}.maintenance.>`], RetentionPolicy.Workqueue, 120e9],
    ]);
    await factory.cleanup();
  });

  it("reports a message over the server's max payload as rejected, not unavailable", async () => {
    const { bus } = await factory.open();
    const at = new Date().toISOString();
    const big = {
      run_id: "r",
      target: "default",
      kind: "run.failed",
      at,
      data: { log: "x".repeat(2 << 20) },
    };
    const error = await bus.publish("event", big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishRejectedError);
    expect((error as PublishRejectedError).retriable).toBe(false);
    await factory.cleanup();
  });
});
