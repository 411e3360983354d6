import { RetryLaterError } from "@tablesnap/bus";
import { type Manifest, parseManifest } from "@tablesnap/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pipeline, startPipeline } from "../test/pipeline.ts";

let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline();
  await p.source.sql.unsafe(`
    create table users (id serial primary key, name text not null);
    insert into users (name) select 'user ' || g from generate_series(1, 500) g;
    create table orders (id bigint generated always as identity primary key,
      user_id int not null references users, total numeric(10, 2));
    insert into orders (user_id, total) select g % 500 + 1, g * 1.5 from generate_series(1, 2000) g;
    create schema sales;
    create table sales.events (kind text, at int);
    insert into sales.events select 'k' || (g % 7), g from generate_series(1, 300) g;
  `);
});
afterAll(() => p?.close());

/** The manifest of the backup the branch's `latest` link points at. */
function latestManifest(): Manifest {
  const link = p.gitShow("backups/latest/latest").trim();
  return parseManifest(p.gitShow(`backups/latest/${link}/manifest.json`));
}

async function counts(): Promise<Record<string, number>> {
  const rows = await p.source.sql<{ t: string; n: string }[]>`
    select 'public.users' as t, count(*)::text as n from users
    union all select 'public.orders', count(*)::text from orders
    union all select 'sales.events', count(*)::text from sales.events`;
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

async function consumed(kind: "run" | "job", durable: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const b = await p.bus.backlog(kind, durable);
    if (b.pending === 0 && b.unacked === 0) return;
    if (Date.now() > deadline) throw new Error(`${kind} backlog stays ${JSON.stringify(b)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("dump workers and publisher over NATS, PostgreSQL, S3 and git", () => {
  it("turns a dump message into exactly one commit holding the whole database", async () => {
    const workers = [await p.dumpWorker(), await p.dumpWorker()];
    await p.publisher();
    const runId = await p.startRun("api-1", "https://hooks.slack.test/response/1");
    const run = await p.waitForRun(runId);
    expect(run.error).toBeNull();
    expect(run.status).toBe("succeeded");
    expect(p.commits()).toEqual([run.commitSha]);

    const manifest = latestManifest();
    expect(manifest.backup_id).toBe(runId);
    const expected = await counts();
    const got = Object.fromEntries(manifest.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
    expect(got).toEqual(expected);
    const users = manifest.tables.find((t) => t.name === "users");
    const data = p.gitShow(
      `backups/latest/${p.gitShow("backups/latest/latest").trim()}/public/tables/users/data.sql`,
    );
    expect(data).toContain("user 500");
    expect(users?.files.map((f) => f.path)).toContain("public/tables/users/data.sql");
    expect(run.tables.every((t) => t.status === "done")).toBe(true);
    expect(run.tables.find((t) => t.name === "orders")?.rows).toBe(2000);

    // The Slack command that asked for it hears the outcome; no failure was reported.
    expect(p.slack.map((s) => s.url)).toEqual(["https://hooks.slack.test/response/1"]);
    expect(JSON.stringify(p.slack[0]?.body)).toContain(run.commitSha?.slice(0, 7));
    // The run's objects are gone from the bucket.
    expect(await p.leftovers(runId)).toEqual([]);

    // The same run handed to the publisher again makes no second commit.
    await p.bus.publish("run", { run_id: runId, target: "default" }, { msgId: `${runId}:again` });
    await consumed("run", "publisher");
    expect(p.commits()).toEqual([run.commitSha]);
    expect((await p.state.getRun(runId))?.commitSha).toBe(run.commitSha);
    await Promise.all(workers.map((w) => w.stop()));
  });

  it("redelivers a table job that failed once and still publishes the run", async () => {
    await p.source.sql`insert into users (name) values ('late')`;
    let failures = 0;
    const flaky = await p.dumpWorker({
      beforeTable: (job, ctx) => {
        if (job.table.name === "orders" && ctx.deliveryCount === 1) {
          failures++;
          throw new RetryLaterError("injected failure", 100);
        }
      },
    });
    const other = await p.dumpWorker({
      beforeTable: (job, ctx) => {
        if (job.table.name === "orders" && ctx.deliveryCount === 1) {
          failures++;
          throw new RetryLaterError("injected failure", 100);
        }
      },
    });
    const before = p.commits().length;
    const runId = await p.startRun("api-2");
    const run = await p.waitForRun(runId);
    expect(run.error).toBeNull();
    expect(run.status).toBe("succeeded");
    expect(failures).toBe(1);
    expect(run.tables.find((t) => t.name === "orders")?.attempts).toBe(2);
    expect(p.commits()).toHaveLength(before + 1);
    expect(latestManifest().tables.find((t) => t.name === "users")?.rows).toBe(501);
    await flaky.stop();
    await other.stop();
  });

  it("ends a run whose backup equals the latest `unchanged`, with the commit it matched", async () => {
    const worker = await p.dumpWorker();
    const commits = p.commits();
    const head = commits[0]; // newest first
    const matched = latestManifest().backup_id;
    const runId = await p.startRun("api-3", "https://hooks.slack.test/response/3");
    const run = await p.waitForRun(runId);
    expect(run.error).toBeNull();
    expect(run.status).toBe("unchanged");
    expect(run.commitSha).toBe(head);
    // It names the backup it matched, the one in the repository, not its own uncommitted id.
    expect(run.backupId).toBe(matched);
    expect(p.commits()).toEqual(commits);
    expect(await p.leftovers(runId)).toEqual([]);
    // Freshness counts it: it is the target's last good backup now.
    expect((await p.state.targetSummary("default")).lastSuccess?.id).toBe(runId);
    const told = p.slack.find((s) => s.url === "https://hooks.slack.test/response/3");
    expect(JSON.stringify(told?.body)).toContain("nothing changed since");
    await worker.stop();
  });
});
