import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Manifest } from "@tablesnap/core";
import {
  copyBackup,
  differencesFrom,
  readManifest,
  replaceOnce,
  rewriteChecked,
  scratchDatabases,
  userObjects,
} from "@tablesnap/restore/testing";
import { loadHardCases } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tablesnap } from "./cli.ts";

describe("tablesnap restore of a backup of the hard-cases database", () => {
  const dbs = scratchDatabases();
  const temp: string[] = [];
  let repo: string;
  let folder: string;
  let manifest: Manifest;

  beforeAll(async () => {
    const source = await dbs.create("tsnap_cr_src");
    await loadHardCases(source.url);
    repo = join(await mkdtemp(join(tmpdir(), "tsnap-cr-")), "repo");
    temp.push(dirname(repo));
    const r = await tablesnap(["backup", "--database-url", source.url, "--repo", repo, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    folder = join(repo, "backups/latest/latest");
    manifest = await readManifest(folder);
  });
  afterAll(async () => {
    await dbs.dropAll();
    await Promise.all(temp.map((d) => rm(d, { recursive: true, force: true })));
  });

  const restoreFrom = (dir: string, url: string, ...extra: string[]) =>
    tablesnap(["restore", "--from", dir, "--database-url", url, ...extra]);

  async function changedCopy(): Promise<string> {
    const dir = await copyBackup(folder);
    temp.push(dirname(dir));
    return dir;
  }

  it("restores the latest backup, read straight from git, into an empty database: equal to the source", async () => {
    const target = await dbs.create("tsnap_cr_whole");
    const r = await tablesnap(["restore", "--repo", repo, "--database-url", target.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      new RegExp(
        `restored backup ${manifest.backup_id} into 127\\.0\\.0\\.1:5432/${target.name}: 205 objects, 49 tables, 5163 rows, .* \\(1 transaction\\)\n  materialized views refreshed: 1\n$`,
      ),
    );
    expect(await differencesFrom(manifest, target.url)).toEqual([]);
  });

  it("--dry-run prints every step in order on stdout and writes nothing", async () => {
    const target = await dbs.create("tsnap_cr_dry");
    const r = await restoreFrom(folder, target.url, "--dry-run", "--quiet");
    expect(r.code, r.stderr).toBe(0);
    const steps = r.stdout.trimEnd().split("\n");
    expect(steps[0]).toBe("pre-data   SCHEMA Sales Data  (%53ales%20%44ata/schema.sql)");
    expect(steps).toContain("data      create app.orders: 5 rows in 1 file(s)");
    expect(steps).toContain("sequences app/sequences.sql");
    expect(steps.at(-1)).toBe("refresh   app.customer_stats");
    expect(steps.filter((s) => s.startsWith("data "))).toHaveLength(49);
    expect(r.stderr).toMatch(
      /^dry run: backup \S+ into .* would restore 205 objects, 49 tables, 5163 rows, .*; nothing was written\n/,
    );
    const json = await restoreFrom(folder, target.url, "--dry-run", "--json", "--quiet");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, transactions: 0, order: steps });
    expect(await userObjects(target.sql)).toEqual([]);
  });

  it("restores scripts in the style of pg_dump 17.6 (\\restrict lines): equal to the source", async () => {
    const dir = await changedCopy();
    const key = "aBcD3fGh1JkLmN0pQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz01";
    const wrap = (text: string) => `\\restrict ${key}\n\n${text}\n\\unrestrict ${key}\n\n`;
    await rewriteChecked(dir, "database.sql", (t) =>
      replaceOnce(
        `${t}\n\\unrestrict ${key}\n\n`,
        "--\n-- PostgreSQL database dump\n--\n",
        `--\n-- PostgreSQL database dump\n--\n\n\\restrict ${key}\n`,
      ),
    );
    await rewriteChecked(dir, "app/schema.sql", wrap);
    await rewriteChecked(dir, "public/tables/customers/schema.sql", wrap);
    const target = await dbs.create("tsnap_cr_restrict");
    const r = await restoreFrom(dir, target.url, "--quiet");
    expect(r.code, r.stderr).toBe(0);
    expect(await differencesFrom(manifest, target.url)).toEqual([]);
  });

  it("refuses any other psql meta-command, naming file and line, before writing anything", async () => {
    const dir = await changedCopy();
    await rewriteChecked(dir, "database.sql", (t) =>
      replaceOnce(t, "SET row_security = off;\n", "SET row_security = off;\n\\! ls\n"),
    );
    const target = await dbs.create("tsnap_cr_meta");
    const r = await restoreFrom(dir, target.url, "--quiet");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tablesnap: error: database\.sql, line \d+: psql meta-command "\\\\!" is not supported\n$/,
    );
    expect(await userObjects(target.sql)).toEqual([]);
  });
});
