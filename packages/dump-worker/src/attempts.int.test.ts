import { connect, openSnapshot } from "@tablesnap/dump";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Pipeline, startPipeline, until } from "../test/pipeline.ts";
import { copyTableJob, SourcePools } from "./table-job.ts";

let p: Pipeline;

beforeAll(async () => {
  // Runs here back up the same data again and again: each must still commit.
  p = await startPipeline({ commitUnchanged: true });
  await p.source.sql.unsafe(`
    create table items (id int primary key, label text);
    insert into items select g, 'item ' || g from generate_series(1, 300) g;
    create table notes (body text);
    insert into notes select 'note ' || g from generate_series(1, 20) g;
  `);
});
afterAll(() => p?.close());

it("lets a second attempt of a live run take it over; the first gives up and leaves nothing", async () => {
  // The first attempt's table copies wait until the second attempt has published the run.
  let release = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let firstSnapshot: string | undefined;
  await p.publisher();
  const worker = await p.dumpWorker({
    concurrency: 4, // Two slots stay held by the first attempt's copies.
    beforeTable: async (job) => {
      firstSnapshot ??= job.snapshot_id;
      if (job.snapshot_id === firstSnapshot) await held;
    },
  });
  try {
    const runId = await p.startRun("api-takeover");
    const first = await until("the first attempt", async () => {
      const r = await p.state.getRun(runId);
      return r?.tables.some((t) => t.status === "running") ? r.snapshotId : undefined;
    });
    expect(first).toBe(firstSnapshot);

    // What a redelivery does when the first holder's message outlived its ack wait.
    await p.bus.publish("dump", { run_id: runId, target: "default" }, { msgId: `${runId}:2` });
    const second = await until("the second attempt", async () => {
      const r = await p.state.getRun(runId);
      return r?.snapshotId && r.snapshotId !== first ? r.snapshotId : undefined;
    });
    const run = await p.waitForRun(runId);
    // The first attempt's copies go on only now, after the publisher removed the run's objects.
    release();
    await until("every table job to be settled", async () => {
      const b = await p.bus.backlog("job", "dump-worker-tables");
      return b.pending === 0 && b.unacked === 0 ? true : undefined;
    });
    expect(run.error).toBeNull();
    expect(run.status).toBe("succeeded");
    expect(run.snapshotId).toBe(second);
    expect(p.commits()).toEqual([run.commitSha]);
    const link = p.gitShow("backups/latest/latest").trim();
    expect(p.gitShow(`backups/latest/${link}/public/tables/items/data.sql`)).toContain("item 300");
    // The first attempt's late table copies and its holder removed what they wrote.
    expect(await p.leftovers(runId)).toEqual([]);
  } finally {
    release();
    await worker.stop();
  }
});

it("removes a failed run's objects from the bucket", async () => {
  const worker = await p.dumpWorker({
    beforeTable: (job) => {
      if (job.table.name === "notes") throw new Error("injected: notes cannot be read");
    },
  });
  try {
    const runId = await p.startRun("api-fails");
    const run = await p.waitForRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error).toContain("injected: notes cannot be read");
    expect(await p.leftovers(runId)).toEqual([]);
  } finally {
    await worker.stop();
  }
});

it("removes what a publisher killed after ending a run left in the bucket, on the run's next message", async () => {
  await p.publisher();
  const worker = await p.dumpWorker();
  try {
    const runId = await p.startRun("api-leftover");
    const run = await p.waitForRun(runId);
    expect(run.status).toBe("succeeded");
    expect(await p.leftovers(runId)).toEqual([]);
    // What a publisher killed between finishRun and its clean-up leaves: the files of the
    // published attempt and of an attempt given up earlier.
    const files = ["items/data.sql", "manifest.json"].map((f) => `${run.snapshotId}/${f}`);
    for (const key of [...files, "00000001-0000AAAA-1/notes/data.sql"]) {
      const w = await p.bucket.forPrefix(`runs/${runId}/`).openWriter(key);
      await w.write(new TextEncoder().encode("left behind"));
      await w.close();
    }
    expect(await p.bucket.forPrefix(`runs/${runId}/`).list()).toHaveLength(3);
    // The redelivered `run` message finds the run ended and cleans up.
    await p.bus.publish("run", { run_id: runId, target: "default" }, { msgId: `${runId}:again` });
    expect(await p.leftovers(runId)).toEqual([]);
    expect((await p.state.getRun(runId))?.status).toBe("succeeded");
  } finally {
    await worker.stop();
  }
});

it("drops the files of a table copy whose attempt was replaced while it ran", async () => {
  await p.state.recordTrigger(
    {
      id: "copy-late",
      target: "default",
      source: "api",
      event: "manual",
      ref: "tests",
      receivedAt: new Date(),
    },
    { debounceSeconds: 0 },
  );
  const run = await p.state.claimDueRun({ target: "default", timeLimitSeconds: 600 });
  if (!run) throw new Error("no run to claim");
  const { sql } = await connect(p.source.url, 2);
  const snap = await openSnapshot(sql, { include: [], exclude: [] });
  const pools = new SourcePools(2);
  try {
    const s = snap.info;
    await p.state.startAttempt(run.id, { snapshotId: s.id, backupId: run.id });
    await p.state.planTables(run.id, [{ schema: "public", name: "items" }]);
    const info = s.tables.find((t) => t.name === "items");
    if (!info) throw new Error("items is not in the snapshot");
    const job = {
      run_id: run.id,
      target: "default",
      table: { schema: "public", name: "items" },
      snapshot_id: s.id,
      task: {
        table: { ...info, columns: [...info.columns], primaryKey: [...info.primaryKey] },
        folder: "items",
        trailer: "",
        maxBytes: 1 << 30,
      },
    };
    const ctx = { deliveryCount: 1, maxDeliver: 5, seq: 1, subject: "jobs.table", working() {} };
    await copyTableJob(
      {
        ...{ bus: p.bus, state: p.state, bucket: p.bucket, targets: [p.target], pools },
        signal: new AbortController().signal,
        // Another holder takes the run over once this copy has started.
        beforeTable: async () => {
          await p.state.startAttempt(run.id, { snapshotId: "00000099-1", backupId: run.id });
        },
      },
      job,
      ctx,
    );
    expect(await p.bucket.forPrefix(`runs/${run.id}/`).list()).toEqual([]);
  } finally {
    await pools.close();
    await snap.close();
    await sql.end();
  }
});
