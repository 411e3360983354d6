import { rm } from "node:fs/promises";
import { type Manifest, manifestFiles, parseManifest } from "@tablesnap/core";
import { backupToDisk } from "@tablesnap/dump/testing";
import { loadHardCases } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pipeline, startPipeline } from "../test/pipeline.ts";

/**
 * The hard-cases database plus names that only a reversible folder name survives: slashes, dots,
 * `..`, spaces, quotes, case, unicode, 63 bytes; in a schema of such a name too.
 */
const TORTURE = `
  create schema "a/b";
  create table "a/b"."../../etc/passwd" (id int primary key, v text);
  create table "a/b"."c/d" (id int primary key);
  create table public."My Table" (id int primary key, "Note" text);
  create table public."${"x".repeat(63)}" (id int primary key);
  create table public."日本語テーブル名の長い名前です" (id int primary key);
  create schema "Odd ""Schema"".v1";
  create table "Odd ""Schema"".v1"."it's ""quoted"" . and spaced" (id int primary key, v text);
  insert into "Odd ""Schema"".v1"."it's ""quoted"" . and spaced" values (1, 'x');
  insert into "a/b"."../../etc/passwd" values (1, 'root'), (2, 'daemon');
  insert into "a/b"."c/d" select generate_series(1, 10);
  insert into public."My Table" values (1, 'hello'), (2, null);`;

/** Every file of a backup but roles.sql (roles are the server's, and other tests add some). */
const files = (m: Manifest) =>
  manifestFiles(m)
    .filter((f) => f.path !== "roles.sql")
    .map((f) => `${f.path} ${f.sha256}`)
    .sort();

describe.each([
  { s3: "stock s3rver", stockS3: true },
  { s3: "the harness's s3rver", stockS3: false },
])("the services back up odd names exactly as the CLI does, on $s3", ({ stockS3 }) => {
  let p: Pipeline;
  let cli: Manifest;
  let dir: string;

  beforeAll(async () => {
    p = await startPipeline({ stockS3 });
    await loadHardCases(p.source.url);
    await p.source.sql.unsafe(TORTURE);
    // What the CLI writes: the same engine, into a folder.
    const onDisk = await backupToDisk(p.source.url);
    dir = onDisk.dir;
    cli = onDisk.manifest;
  });
  afterAll(async () => {
    await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("publishes the run, with the same files path by path and sha256 by sha256", async () => {
    await p.dumpWorker();
    await p.publisher();
    const runId = await p.startRun("api-odd");
    const run = await p.waitForRun(runId, 60_000);
    expect(run.error).toBeNull();
    expect(run.status).toBe("succeeded");
    const link = p.gitShow("backups/latest/latest").trim();
    const published = parseManifest(p.gitShow(`backups/latest/${link}/manifest.json`));
    expect(published.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(
      expect.arrayContaining([
        "a/b.../../etc/passwd",
        "a/b.c/d",
        "public.My Table",
        `Odd "Schema".v1.it's "quoted" . and spaced`,
      ]),
    );
    expect(files(published)).toEqual(files(cli));
    expect(await p.leftovers(runId)).toEqual([]);
  });
});
