import { afterAll, beforeAll, expect, it } from "vitest";
import { type Pipeline, startChildWorker, startPipeline, until } from "../test/pipeline.ts";

// One delivery per table job, redelivered after 1.5 s: the child's are its last.
const JOBS = { ackWaitMs: 1_500, maxDeliver: 1 };
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline();
  await p.source.sql.unsafe(`
    create table items (id int primary key, label text);
    insert into items select g, 'item ' || g from generate_series(1, 100) g;
  `);
});
afterAll(() => p?.close());

it("fails the run with the reason when a table worker dies holding a job's last delivery", async () => {
  // The child copies tables only, and its copies never finish; the holder lives here.
  const config = p.childConfig(30_000, { holders: 0, jobDelivery: JOBS });
  const child = await startChildWorker(config);
  try {
    await p.dumpWorker({ concurrency: 0, jobDelivery: JOBS });
    const runId = await p.startRun("api-table-crash");
    await until("the child to copy items", async () => {
      const r = await p.state.getRun(runId);
      return r?.tables.some((t) => t.status === "running") ? true : undefined;
    });
    await child.kill();

    // Any table worker alive hears that the job will not be delivered again.
    await p.dumpWorker({ holders: 0, jobDelivery: JOBS });
    // Within moments of the ack wait, not at the run's time limit (600 s).
    const run = await p.waitForRun(runId, 30_000);
    expect(run.status).toBe("failed");
    expect(run.error).toBe(
      "tables failed: public.items: gave up after 1 deliveries: the last was never acknowledged (its worker stopped while holding it)",
    );
    expect(run.tables.find((t) => t.name === "items")?.status).toBe("failed");
    expect(await p.leftovers(runId)).toEqual([]);
  } finally {
    await child.kill();
  }
});
