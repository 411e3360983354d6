import { createScratchDatabase, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupToDisk } from "../test/helpers.ts";

const TABLES = ["bank_a", "bank_b", "bank_c", "bank_d"];
const ROWS = 150_000;
const START = 100;

/**
 * Sums the balance column of a data.sql written by the dump (COPY text: id, balance). Reading the
 * file, not the database, is the point: the backup must hold one moment's state.
 */
function sumBalances(copyText: string): { rows: number; total: bigint } {
  let rows = 0;
  let total = 0n;
  let inCopy = false;
  for (const line of copyText.split("\n")) {
    if (line.startsWith("COPY ")) inCopy = true;
    else if (line === "\\.") inCopy = false;
    else if (inCopy) {
      rows++;
      total += BigInt(line.split("\t")[1] ?? "0");
    }
  }
  return { rows, total };
}

describe("one point in time across tables", () => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_bank");
    for (const t of TABLES) {
      await db.sql.unsafe(
        `create table ${t} (id int primary key, balance bigint not null);
         insert into ${t} select g, ${START} from generate_series(1, ${ROWS}) g`,
      );
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("sees the same total while transfers move money between tables during the backup", async () => {
    let stop = false;
    let committed = 0;
    const transfer = async (worker: number) => {
      // Bounded: stops when the backup ends, and never runs more than 200,000 transfers.
      for (let i = 0; !stop && i < 200_000; i++) {
        const from = TABLES[(i + worker) % TABLES.length] ?? "bank_a";
        const to = TABLES[(i * 7 + worker + 1) % TABLES.length] ?? "bank_b";
        const a = 1 + ((i * 7919 + worker) % ROWS);
        const b = 1 + ((i * 104_729 + worker * 13) % ROWS);
        await db.sql.begin(async (tx) => {
          await tx.unsafe(`update ${from} set balance = balance - 7 where id = $1`, [a]);
          await tx.unsafe(`update ${to} set balance = balance + 7 where id = $1`, [b]);
        });
        committed++;
      }
    };
    const workers = [transfer(0), transfer(1), transfer(2)];
    // Let transfers get going before the snapshot is taken.
    const deadline = Date.now() + 10_000;
    while (committed < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const before = committed;
    const backup = await backupToDisk(db.url, { customDump: false, jobs: 2 });
    const during = committed - before;
    stop = true;
    await Promise.all(workers);

    expect(during).toBeGreaterThan(0);
    let total = 0n;
    for (const t of backup.manifest.tables) {
      const data = t.files.filter((f) => f.path.includes("/data"));
      const sums = await Promise.all(data.map(async (f) => sumBalances(await backup.text(f.path))));
      const rows = sums.reduce((n, s) => n + s.rows, 0);
      expect({ table: t.name, rows }).toEqual({ table: t.name, rows: ROWS });
      total += sums.reduce((n, s) => n + s.total, 0n);
    }
    expect(total).toBe(BigInt(TABLES.length * ROWS * START));
    // The live database moved on meanwhile, and still balances.
    const [live] = await db.sql.unsafe<{ s: string }[]>(
      `select (${TABLES.map((t) => `(select sum(balance) from ${t})`).join(" + ")})::text as s`,
    );
    expect(BigInt(live?.s ?? "0")).toBe(total);
  });
});
