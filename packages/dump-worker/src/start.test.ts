import { MemoryArtifactStore } from "@tablesnap/artifacts";
import { MemoryBus } from "@tablesnap/bus";
import { MemoryStateStore } from "@tablesnap/state";
import { expect, it } from "vitest";
import { startDumpWorker } from "./start.ts";

async function bus() {
  const b = new MemoryBus();
  await b.ensureStreams();
  return b;
}

const deps = async () => ({
  bus: await bus(),
  state: new MemoryStateStore(),
  bucket: { forPrefix: () => new MemoryArtifactStore() },
  targets: [],
});

it("refuses a dump worker that would neither hold runs nor copy tables, or a bad count", async () => {
  const refused = /concurrency and holders must be whole numbers >= 0, not both 0/;
  await expect(startDumpWorker({ ...(await deps()), concurrency: 0, holders: 0 })).rejects.toThrow(
    refused,
  );
  await expect(startDumpWorker({ ...(await deps()), concurrency: -1 })).rejects.toThrow(refused);
  await expect(startDumpWorker({ ...(await deps()), holders: 1.5 })).rejects.toThrow(refused);
  // Either role alone is a worker.
  for (const only of [{ concurrency: 0 }, { holders: 0 }]) {
    const w = await startDumpWorker({ ...(await deps()), ...only });
    await w.stop();
  }
});
