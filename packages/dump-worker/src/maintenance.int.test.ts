import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pipeline, startPipeline, until } from "../test/pipeline.ts";

let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline({ retention: { keep: 1, keepDays: 0, pruneHistory: "0 5 * * 0" } });
  await p.source.sql.unsafe(`create table notes (id int primary key, body text not null)`);
});
afterAll(() => p?.close());

const git = (...args: string[]) =>
  execFileSync("git", ["-C", p.repoDir, ...args])
    .toString()
    .trim();
const exists = (sha: string) => {
  try {
    git("cat-file", "-e", sha);
    return true;
  } catch {
    return false;
  }
};

describe("history rotation in the services (retention.prune_history)", () => {
  it("waits while a run of the target is in progress, then squashes and frees the space", async () => {
    const lines: string[] = [];
    const logger = {
      info: (_: Record<string, unknown>, m: string) => void lines.push(m),
      warn: (_: Record<string, unknown>, m: string) => void lines.push(m),
      error: (_: Record<string, unknown>, m: string) => void lines.push(m),
    };
    await p.publisher({ busyBackoffMs: [200, 1000], logger });
    const events: { kind: string; data?: Record<string, unknown> | undefined }[] = [];
    const watch = await p.bus.consume("event", { durable: "prune-watch" }, (e) => {
      if (e.kind.startsWith("prune.")) events.push(e);
    });
    try {
      const dataBlobs: string[] = [];
      let worker: Awaited<ReturnType<Pipeline["dumpWorker"]>> | undefined;
      for (let i = 1; i <= 3; i++) {
        await p.source.sql.unsafe(`insert into notes values (${i}, 'note ${i}')`);
        const run = await p.startRun(`prune-${i}`);
        worker ??= await p.dumpWorker();
        expect((await p.waitForRun(run)).status).toBe("succeeded");
        const folder = git("cat-file", "blob", "main:backups/latest/latest");
        dataBlobs.push(
          git("rev-parse", `main:backups/latest/${folder}/public/tables/notes/data.sql`),
        );
      }
      expect(git("rev-list", "--count", "main")).toBe("3");

      // A run in progress: the rotation waits for it.
      await p.source.sql.unsafe(`insert into notes values (4, 'note 4')`);
      await worker?.stop(); // no worker takes the next run for now
      const busy = await p.startRun("prune-busy");
      await p.bus.publish("maintenance", {
        ...{ id: "default/@prune@2026-12-06T05:00Z", target: "default", task: "prune" },
        at: new Date().toISOString(),
      });
      await until("the rotation to wait twice", () =>
        lines.filter((l) => l === "history rotation waits for a run").length >= 2
          ? true
          : undefined,
      );
      expect(events).toEqual([]);
      expect(git("rev-list", "--count", "main")).toBe("3");
      await p.dumpWorker();
      expect((await p.waitForRun(busy)).status).toBe("succeeded");

      await until("prune.done", () => events.length === 1);
      expect(events[0]).toMatchObject({ kind: "prune.done", data: { kept: 1, squashed: 3 } });
      expect(git("rev-list", "--count", "main")).toBe("1");
      // Two of the three backups' data went with their commits; the third is the kept commit's
      // one archive (which one, when backups share a second, is the archive retention's choice).
      const reachable = new Set(git("rev-list", "--objects", "main").split(/\s+/));
      expect(dataBlobs.map(exists)).toEqual(dataBlobs.map((b) => reachable.has(b)));
      expect(dataBlobs.filter(exists)).toHaveLength(1);
      git("fsck", "--strict", "--no-progress");
    } finally {
      await watch.stop();
    }
  });
});
