import { spawn } from "node:child_process";
import {
  type Backup,
  backupToFolder,
  scratchDatabases,
  userObjects,
} from "@tablesnap/restore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAIN } from "./cli.ts";

describe("tablesnap restore interrupted", () => {
  const dbs = scratchDatabases();
  let backup: Backup;

  beforeAll(async () => {
    const source = await dbs.create("tsnap_int_src");
    // Large enough that its COPY is still running when the signal comes.
    await source.sql.unsafe(`create table public.big (id int primary key, pad text);
      insert into public.big select g, repeat('x', 200) from generate_series(1, 1500000) g`);
    backup = await backupToFolder(source.url);
  });
  afterAll(async () => {
    await dbs.dropAll();
    await backup?.remove();
  });

  it("rolls back at once on SIGINT during a COPY and exits 130", async () => {
    const target = await dbs.create("tsnap_int_dst");
    const child = spawn(
      process.execPath,
      [MAIN, "restore", "--from", backup.dir, "--database-url", target.url, "--quiet"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number>((resolve) =>
      child.on("close", (code) => resolve(code ?? -1)),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [copying] = await target.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and query like 'COPY public.big%' and state = 'active'`;
      if ((copying?.n ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error(`the COPY never started: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGINT");
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(await userObjects(target.sql)).toEqual([]);
    const [left] = await target.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'tablesnap'`;
    expect(left?.n).toBe(0);
  });
});
