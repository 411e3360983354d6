import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { DrillReport } from "@tablesnap/restore";
import {
  copyBackup,
  replaceOnce,
  rewriteChecked,
  scratchDatabases,
} from "@tablesnap/restore/testing";
import { adminUrl, loadHardCases, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tablesnap } from "./cli.ts";

describe("tablesnap drill", () => {
  const dbs = scratchDatabases();
  const temp: string[] = [];
  let source: ScratchDatabase;
  let repo: string;
  let folder: string;

  beforeAll(async () => {
    source = await dbs.create("tsnap_cd_src");
    await loadHardCases(source.url);
    repo = join(await mkdtemp(join(tmpdir(), "tsnap-cd-")), "repo");
    temp.push(dirname(repo));
    const args = ["backup", "--database-url", source.url, "--repo", repo];
    const r = await tablesnap([...args, "--quiet", "--no-custom-dump"]);
    expect(r.code, r.stderr).toBe(0);
    folder = join(repo, "backups/latest/latest");
  });
  afterAll(async () => {
    await dbs.dropAll();
    await Promise.all(temp.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function changedCopy(): Promise<string> {
    const dir = await copyBackup(folder);
    temp.push(dirname(dir));
    return dir;
  }

  /** Whether the server still has a database of that name (any connection sees them all). */
  async function exists(database: string): Promise<boolean> {
    const [row] = await source.sql<{ n: number }[]>`
      select count(*)::int as n from pg_database where datname = ${database}`;
    return row?.n === 1;
  }

  it("passes a good backup: every table matches, and the scratch database is gone", async () => {
    const r = await tablesnap(["drill", "--repo", repo, "--scratch-url", adminUrl(), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DrillReport;
    expect(report).toMatchObject({ ok: true, error: null, kept: false });
    expect(report.database).toMatch(/^tablesnap_drill_\d{8}_[0-9a-f]{8}$/);
    expect(report.tables).toHaveLength(49);
    expect(report.tables.filter((t) => !t.ok)).toEqual([]);
    expect(report.tables.find((t) => t.table === "public.big_table")?.rows).toEqual({
      expected: 5000,
      got: 5000,
    });
    expect(await exists(report.database)).toBe(false);
  });

  it("fails a backup whose rows were changed with the manifest to match, naming the table", async () => {
    // numeric(12,2) stores 0.370 as 0.37: the file restores, but not to the bytes it holds.
    const dir = await changedCopy();
    const path = "public/tables/big_table/data.sql";
    await rewriteChecked(dir, path, (t) => replaceOnce(t, "\t0.37\t", "\t0.370\t"));
    // Every check short of a drill passes.
    expect((await tablesnap(["verify", dir])).code).toBe(0);

    const r = await tablesnap(["drill", "--from", dir, "--scratch-url", adminUrl()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`public.big_table: sha256 differs: ${path}\n`);
    expect(r.stderr).toMatch(/\nDRILL FAILED: backup \S+: 1 problem\(s\)\n$/);
    const database = /created scratch database (\S+) on /.exec(r.stderr)?.[1] ?? "";
    expect(database).not.toBe("");
    expect(await exists(database)).toBe(false);

    const json = await tablesnap(["drill", "--from", dir, "--scratch-url", adminUrl(), "--json"]);
    const report = JSON.parse(json.stdout) as DrillReport;
    expect(report.ok).toBe(false);
    expect(report.tables.filter((t) => !t.ok)).toEqual([
      {
        table: "public.big_table",
        ok: false,
        rows: { expected: 5000, got: 5000 },
        problem: `sha256 differs: ${path}`,
      },
    ]);
  });

  it("fails a plainly tampered backup before restoring anything, naming the file", async () => {
    const dir = await changedCopy();
    await appendFile(join(dir, "app/tables/orders/data.sql"), "-- tampered\n");
    const r = await tablesnap(["drill", "--from", dir, "--scratch-url", adminUrl(), "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DrillReport;
    expect(report).toMatchObject({ ok: false, tables: [], restore: null });
    expect(report.error).toMatch(
      /^the backup fails its checks, nothing was written:\n {2}app\/tables\/orders\/data\.sql: \d+ bytes, manifest says \d+$/,
    );
    expect(await exists(report.database)).toBe(false);
  });
});
