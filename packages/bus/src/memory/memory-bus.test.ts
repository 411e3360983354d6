import { type BusFactory, describeBus } from "../../test/contract.ts";
import { recordingLogger } from "../../test/helpers.ts";
import type { Bus } from "../index.ts";
import { MemoryBus } from "./memory-bus.ts";

const opened: Bus[] = [];

async function open(): Promise<{ bus: MemoryBus; logs: string[] }> {
  const logger = recordingLogger();
  const bus = new MemoryBus({ logger });
  opened.push(bus);
  await bus.ensureStreams();
  return { bus, logs: logger.lines };
}

const factory: BusFactory = {
  async open() {
    const { bus, logs } = await open();
    return {
      bus,
      logs,
      peer: async () => {
        const peer = bus.peer();
        opened.push(peer);
        return peer;
      },
      publishRaw: async (kind, data) =>
        void (await bus.publishRaw(kind, new TextEncoder().encode(data))),
    };
  },
  async unreachable() {
    const { bus } = await open();
    bus.setAvailable(false);
    return bus;
  },
  async outage() {
    const { bus } = await open();
    return {
      bus,
      down: async () => bus.setAvailable(false),
      up: async () => bus.setAvailable(true),
    };
  },
  async cleanup() {
    await Promise.all(opened.splice(0).map((b) => b.close()));
  },
};

describeBus("memory", factory);
