import { readFileSync } from "node:fs";
import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStateStore } from "../../test/contract.ts";
import { at, LIMIT, T0, trigger } from "../../test/fixtures.ts";
import { MIGRATIONS_FOLDER, migrate } from "./migrate.ts";
import { PgStateStore } from "./pg-store.ts";

let db: ScratchDatabase;
let store: PgStateStore;
const extra: PgStateStore[] = [];

/** Several stores with their own connection pools: stand-ins for several coordinators. */
function replicas(n: number): PgStateStore[] {
  const made = Array.from({ length: n }, () => PgStateStore.open(db.url, { max: 4 }));
  extra.push(...made);
  return made;
}

beforeAll(async () => {
  db = await createScratchDatabase("tsnap_state");
  await migrate(db.url);
  store = PgStateStore.open(db.url);
});

afterAll(async () => {
  await Promise.all([store?.close(), ...extra.map((s) => s.close())]);
  await db?.drop();
});

describeStateStore("postgres", async () => {
  await db.sql`truncate tablesnap.triggers, tablesnap.run_tables, tablesnap.runs, tablesnap.schedules`;
  return store;
});

describe("PgStateStore under concurrency", () => {
  it("migrates idempotently, with several services starting at once", async () => {
    const fresh = await createScratchDatabase("tsnap_state_mig");
    try {
      await Promise.all(Array.from({ length: 6 }, () => migrate(fresh.url)));
      await migrate(fresh.url);
      const [row] = await fresh.sql`select count(*)::int as n from drizzle.__tablesnap_migrations`;
      const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, "utf8"));
      expect(row?.["n"]).toBe(journal.entries.length);
      const tables = await fresh.sql`
        select table_name from information_schema.tables where table_schema = 'tablesnap'
        order by table_name`;
      expect(tables.map((t) => t["table_name"])).toEqual([
        "run_tables",
        "runs",
        "schedules",
        "triggers",
      ]);
    } finally {
      await fresh.drop();
    }
  });

  it("gathers 50 concurrent triggers from 5 coordinators into exactly one pending run", async () => {
    const stores = replicas(5);
    const sent = Array.from({ length: 50 }, (_, i) =>
      trigger("burst", { source: `acme-repo${i % 10}`, receivedAt: at(i / 10) }),
    );
    const results = await Promise.all(
      sent.map((t, i) =>
        (stores[i % stores.length] ?? store).recordTrigger(t, {
          debounceSeconds: 30,
          now: at(i / 10),
        }),
      ),
    );
    expect(results.filter((r) => r.isNew)).toHaveLength(50);
    expect(results.filter((r) => r.runCreated)).toHaveLength(1);
    const runIds = new Set(results.map((r) => r.runId));
    expect(runIds.size).toBe(1);
    const page = await store.listRuns("burst");
    expect(page.runs).toHaveLength(1);
    expect(page.runs[0]?.status).toBe("pending");
    expect(page.runs[0]?.triggers.map((t) => t.id).sort()).toEqual(sent.map((t) => t.id).sort());
    // Redelivered all at once: nothing new.
    const again = await Promise.all(
      sent.map((t, i) =>
        (stores[i % stores.length] ?? store).recordTrigger(t, { debounceSeconds: 30 }),
      ),
    );
    expect(again.every((r) => !r.isNew && runIds.has(r.runId))).toBe(true);
  });

  it("lets exactly one of several concurrent claimers start a due run", async () => {
    const stores = replicas(4);
    for (let round = 0; round < 10; round++) {
      const target = `claim-${round}`;
      await store.recordTrigger(trigger(target), { debounceSeconds: 0, now: T0 });
      const claims = await Promise.all(
        stores.flatMap((s) => [
          s.claimDueRun({ ...LIMIT, now: at(1) }),
          s.claimDueRun({ ...LIMIT, target, now: at(1) }),
        ]),
      );
      const won = claims.filter((r) => r !== null && r.target === target);
      expect(won).toHaveLength(1);
    }
  });

  it("never claims a second run of a target while triggers and claims race", async () => {
    const stores = replicas(3);
    const target = "race";
    const work = Array.from({ length: 60 }, (_, i) => {
      const s = stores[i % stores.length] ?? store;
      return i % 2 === 0
        ? s.recordTrigger(trigger(target), { debounceSeconds: 0, now: at(i) })
        : s.claimDueRun({ ...LIMIT, target, now: at(i) });
    });
    await Promise.all(work);
    // A claim that met a recorder holding the target's lock skipped it; the next poll starts it.
    await store.claimDueRun({ ...LIMIT, target, now: at(100) });
    const [counts] = await db.sql`
      select count(*) filter (where status in ('running', 'publishing'))::int as active,
             count(*) filter (where status = 'pending')::int as pending
      from tablesnap.runs where target = ${target}`;
    expect(counts?.["active"]).toBe(1);
    expect(counts?.["pending"]).toBeLessThanOrEqual(1);
    const [lost] = await db.sql`
      select count(*)::int as n from tablesnap.triggers where target = ${target} and run_id is null`;
    expect(lost?.["n"]).toBe(0);
  });

  it("reports an unreachable database as a retriable StateStoreError", async () => {
    const dead = PgStateStore.open("postgres://postgres@127.0.0.1:1/none", { max: 1 });
    extra.push(dead);
    await expect(dead.ping()).rejects.toMatchObject({ code: "state_store", retriable: true });
  });
});
