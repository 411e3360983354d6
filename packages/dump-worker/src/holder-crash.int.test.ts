import { parseManifest } from "@tablesnap/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Pipeline, startChildWorker, startPipeline, until } from "../test/pipeline.ts";

const ACK_WAIT_MS = 2000;
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline();
  await p.source.sql.unsafe(`
    create table items (id int primary key, label text);
    insert into items select g, 'item ' || g from generate_series(1, 1000) g;
    create table notes (body text);
    insert into notes select 'note ' || g from generate_series(1, 50) g;
  `);
});
afterAll(() => p?.close());

it("starts a run again in a new snapshot when its holder is killed, and commits it once", async () => {
  await p.publisher();
  const child = await startChildWorker(p.childConfig(ACK_WAIT_MS));
  try {
    const runId = await p.startRun("api-crash");
    // The child holds the snapshot and has started copying (its copies never finish).
    const first = await until("the run to be in progress", async () => {
      const r = await p.state.getRun(runId);
      return r?.snapshotId && r.tables.some((t) => t.status === "running")
        ? r.snapshotId
        : undefined;
    });
    await child.kill();

    await p.dumpWorker({ dumpDelivery: { ackWaitMs: ACK_WAIT_MS } });
    const run = await p.waitForRun(runId);
    expect(run.error).toBeNull();
    expect(run.status).toBe("succeeded");
    expect(run.snapshotId).not.toBe(first);
    expect(p.commits()).toEqual([run.commitSha]);
    const link = p.gitShow("backups/latest/latest").trim();
    const manifest = parseManifest(p.gitShow(`backups/latest/${link}/manifest.json`));
    const rows = Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows]));
    expect(rows).toEqual({ items: 1000, notes: 50 });
    expect(await p.leftovers(runId)).toEqual([]);
  } finally {
    await child.kill();
  }
});
