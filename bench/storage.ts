/**
 * `pnpm bench:storage [--files N] [--kib N] [--rounds N]`: a bucket of N files (default 1,000,
 * sizes spread from 1 KiB to twice `--kib`, default 32) in an s3rver playing Supabase Storage,
 * read by `tablesnap backup --storage-endpoint … --storage-to DIR` and, side by side, by
 * `rclone copy` (the peer: Debian's `rclone`; `apt-get install rclone`) into a folder: a first
 * run into an empty folder, then an unchanged one. Wall time, and the files and bytes each wrote
 * (read off the folder: paths whose inode, time or size changed). `tablesnap backup` of the same
 * database without Storage is measured too: what the files add is the difference. Results on
 * stdout and in .bench/storage-<time>.json.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { CLI, ROOT, RUN_TIMEOUT_MS } from "./lib/commands.ts";
import { databaseUrl, psql } from "./lib/db.ts";
import { kbToMb, log, sec } from "./lib/format.ts";
import { measure, median } from "./lib/measure.ts";
import { hostInfo, intOption, printTimes, writeReport } from "./lib/report.ts";

interface S3Server {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  close(): Promise<void>;
}
interface Source {
  ensureBucket(b: string): Promise<void>;
  write(
    b: string,
    k: string,
    body: AsyncIterable<Uint8Array>,
    size: number,
    meta: {
      contentType: string | null;
      cacheControl: string | null;
      metadata: Record<string, string>;
    },
  ): Promise<void>;
}

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "1000" },
    kib: { type: "string", default: "32" },
    rounds: { type: "string", default: "3" },
  },
});
const files = intOption("files", values.files, 1, 100_000);
const kib = intOption("kib", values.kib, 1, 100_000);
const rounds = intOption("rounds", values.rounds, 1, 20);
const DB = "tablesnap_bench_storage";
const BUCKET = "bench";

const importPath = async <T>(...parts: string[]): Promise<T> =>
  (await import(pathToFileURL(join(ROOT, ...parts)).href)) as T;

function rcloneVersion(): string {
  try {
    return execFileSync("rclone", ["version"]).toString().split("\n")[0] ?? "rclone";
  } catch {
    throw new Error("the peer, rclone, is not installed: apt-get install rclone");
  }
}

/** Every file under `dir`: path → inode, mtime and size. */
async function snapshot(dir: string, under = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const names = await readdir(join(dir, under), { recursive: true }).catch(() => []);
  for (const n of names) {
    const s = await stat(join(dir, under, n));
    if (s.isFile()) out.set(n, `${s.ino}:${s.mtimeMs}:${s.size}`);
  }
  return out;
}

/** Files new or rewritten between two snapshots, and their bytes. */
function written(before: Map<string, string>, after: Map<string, string>) {
  let count = 0;
  let bytes = 0;
  for (const [p, v] of after)
    if (before.get(p) !== v) {
      count++;
      bytes += Number(v.split(":")[2]);
    }
  return { files: count, bytes };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const peer = rcloneVersion();
  const { startS3Server } = await importPath<{ startS3Server(): Promise<S3Server> }>(
    ...["packages", "artifacts", "test", "s3rver.ts"],
  );
  const { S3StorageSource } = await importPath<{ S3StorageSource: new (o: object) => Source }>(
    ...["packages", "storage", "src", "s3-source.ts"],
  );
  const s3 = await startS3Server();
  const work = await mkdtemp(join(tmpdir(), "tsnap-bench-storage-"));
  try {
    await psql("postgres", `drop database if exists ${DB}`);
    await psql("postgres", `create database ${DB}`);
    await psql(
      DB,
      "create table notes (id int primary key, body text); insert into notes select i, 'n' || i from generate_series(1, 100) i",
    );
    const src = new S3StorageSource({
      endpoint: s3.endpoint,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
    });
    await src.ensureBucket(BUCKET);
    let total = 0;
    for (let i = 0; i < files; i++) {
      const size = 1024 + Math.floor(Math.random() * 2 * kib * 1024);
      const body = randomBytes(size);
      total += size;
      const key = `user ${i % 50}/file-${i}.bin`;
      await src.write(
        BUCKET,
        key,
        (async function* () {
          yield body;
        })(),
        size,
        {
          contentType: "application/octet-stream",
          cacheControl: null,
          metadata: {},
        },
      );
    }
    log(`bucket ${BUCKET}: ${files} files, ${(total / 1024 / 1024).toFixed(1)} MiB; peer: ${peer}`);
    const env = { STORAGE_S3_ACCESS_KEY: s3.accessKey, STORAGE_S3_SECRET_KEY: s3.secretKey };
    const o = { timeoutMs: RUN_TIMEOUT_MS, env };
    const results: Record<
      string,
      { ms: number[]; peakKb: number[]; files: number[]; bytes: number[] }
    > = {};
    const note = (
      label: string,
      ms: number,
      peakKb: number,
      w: { files: number; bytes: number },
    ) => {
      const r = results[label] ?? { ms: [], peakKb: [], files: [], bytes: [] };
      results[label] = r;
      r.ms.push(ms);
      r.peakKb.push(peakKb);
      r.files.push(w.files);
      r.bytes.push(w.bytes);
    };
    for (let round = 1; round <= rounds; round++) {
      const dir = join(work, `round-${round}`);
      const store = join(dir, "files");
      const copy = join(dir, "rclone");
      const backup = (repo: string, storage: boolean) => [
        CLI,
        "backup",
        "--database-url",
        databaseUrl(DB),
        "--repo",
        join(dir, repo),
        "--quiet",
        ...(storage ? ["--storage-endpoint", s3.endpoint, "--storage-to", store] : []),
      ];
      const rclone = [
        "copy",
        `:s3:${BUCKET}`,
        copy,
        "--s3-provider",
        "Other",
        "--s3-endpoint",
        s3.endpoint,
        "--s3-access-key-id",
        s3.accessKey,
        "--s3-secret-access-key",
        s3.secretKey,
        "--s3-force-path-style=true",
      ];
      for (const step of ["first", "unchanged"] as const) {
        const plain = await measure(process.execPath, backup("repo-db", false), o);
        note(`tablesnap db only, ${step}`, plain.ms, plain.peakKb, { files: 0, bytes: 0 });
        let before = await snapshot(store, "sha256");
        const t = await measure(process.execPath, backup("repo", true), o);
        note(
          `tablesnap + storage, ${step}`,
          t.ms,
          t.peakKb,
          written(before, await snapshot(store, "sha256")),
        );
        before = await snapshot(copy);
        // rclone's S3 backend refuses to start with AWS_CA_BUNDLE set (a custom transport).
        const r = await measure("env", ["-u", "AWS_CA_BUNDLE", "rclone", ...rclone], o);
        note(`rclone copy, ${step}`, r.ms, r.peakKb, written(before, await snapshot(copy)));
      }
      log(`round ${round} done`);
    }
    const rows = Object.entries(results).map(([label, r]) => {
      const step = label.endsWith("first") ? "first" : "unchanged";
      const peerMs = median(results[`rclone copy, ${step}`]?.ms ?? [1]);
      return {
        label,
        ms: r.ms,
        ratio: `${(median(r.ms) / peerMs).toFixed(2)}×`,
        peak: `${kbToMb(Math.max(...r.peakKb))} MB`,
      };
    });
    printTimes("vs rclone", rows);
    for (const [label, r] of Object.entries(results))
      log(
        `${label.padEnd(30)} wrote ${median(r.files)} files, ${(median(r.bytes) / 1024 / 1024).toFixed(2)} MiB`,
      );
    for (const step of ["first", "unchanged"]) {
      const files =
        median(results[`tablesnap + storage, ${step}`]?.ms ?? []) -
        median(results[`tablesnap db only, ${step}`]?.ms ?? []);
      const peerMs = median(results[`rclone copy, ${step}`]?.ms ?? [1]);
      log(
        `${step}: the files add ${sec(files)} s to a backup; rclone takes ${sec(peerMs)} s: ${(files / peerMs).toFixed(2)}×`,
      );
    }
    await writeReport("storage", startedAt, {
      host: hostInfo(),
      files,
      bytes: total,
      peer,
      results,
    });
  } finally {
    await s3.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
