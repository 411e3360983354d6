/**
 * `pnpm bench:publish [--tables N] [--rows N] [--rounds N] [--write-interval-ms N]`: a database
 * of N tables (default 200) backed up through the GitHub API emulator (`--github`) and over the
 * git protocol into the emulator's bare repository (`--git-remote`): first backup, unchanged
 * backup, one table changed. Write requests (the emulator's count) and wall time of each, as a
 * table on stdout and in .bench/publish-<time>.json.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CLI, commandLine, ROOT, RUN_TIMEOUT_MS } from "./lib/commands.ts";
import { databaseUrl, psql } from "./lib/db.ts";
import { log, sec } from "./lib/format.ts";
import { measure, median } from "./lib/measure.ts";
import { hostInfo, intOption, writeReport } from "./lib/report.ts";

const TOKEN = "ghp_benchPublishToken000000000000000000";

interface Counts {
  readonly writes: number;
  readonly total: number;
  readonly byRoute: Record<string, number>;
}

interface Step {
  readonly transport: "github" | "git-remote";
  readonly step: "first" | "unchanged" | "one table changed";
  readonly wall_ms: number;
  readonly dump_ms: number;
  /** The backup's files and bytes (manifest totals). */
  readonly files: number;
  readonly bytes: number;
  readonly writes: number | null;
  readonly reads: number | null;
  readonly blobs: number | null;
  readonly trees: number | null;
  readonly command: string;
}

const { values } = parseArgs({
  options: {
    tables: { type: "string", default: "200" },
    rows: { type: "string", default: "500" },
    rounds: { type: "string", default: "3" },
    "write-interval-ms": { type: "string", default: "1000" },
  },
});
const tables = intOption("tables", values.tables, 1, 10_000);
const rows = intOption("rows", values.rows, 1, 1_000_000);
const rounds = intOption("rounds", values.rounds, 1, 20);
const interval = intOption("write-interval-ms", values["write-interval-ms"], 0, 10_000);
const DB = `tablesnap_bench_publish_${tables}x${rows}`;

async function ensureDb(): Promise<void> {
  const exists = await psql("postgres", `select 1 from pg_database where datname = '${DB}'`);
  if (exists === "1") {
    const n = await psql(DB, "select count(*) from pg_tables where schemaname = 'public'");
    if (n === String(tables)) return log(`reusing database ${DB}`);
    await psql("postgres", `drop database "${DB}"`);
  }
  log(`creating database ${DB}: ${tables} tables of ${rows} rows`);
  await psql("postgres", `create database "${DB}"`);
  await psql(
    DB,
    `do $$ begin for i in 0..${tables - 1} loop
       execute format('create table %I (id int primary key, name text not null, qty int, at timestamptz)', 't_' || lpad(i::text, 4, '0'));
       execute format('insert into %I select g, md5(g::text || %L), g %% 97, timestamptz ''2026-01-01'' + g * interval ''1 minute'' from generate_series(1, ${rows}) g', 't_' || lpad(i::text, 4, '0'), i);
     end loop; end $$`,
  );
}

/** The emulator as its own process, as a harness would run it; resolves with its URL. */
async function startEmulator(data: string): Promise<{ url: string; child: ChildProcess }> {
  const main = join(ROOT, "tools", "github-emulator", "src", "main.ts");
  const child = spawn(process.execPath, [main, "--data", data, "--token", TOKEN], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
    child.stdout?.setEncoding("utf8").once("data", (d: string) => resolve(d.trim()));
  });
  return { url, child };
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `token ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}

async function run(
  transport: Step["transport"],
  step: Step["step"],
  target: readonly string[],
  env: Record<string, string>,
  url: string,
): Promise<Step> {
  await api(url, "DELETE", "/_emulator/counts");
  const args = [CLI, "backup", "--database-url", databaseUrl(DB), ...target, "--json", "--quiet"];
  const r = await measure(process.execPath, args, { timeoutMs: RUN_TIMEOUT_MS, env });
  const counts = (await api(url, "GET", "/_emulator/counts")) as Counts;
  const out = JSON.parse(r.stdout) as {
    manifest: { duration_ms: number; totals: { files: number; bytes: number } };
    publish: { writes?: number };
  };
  const api_ = transport === "github";
  if (api_ && out.publish.writes !== counts.writes)
    throw new Error(`the CLI counted ${out.publish.writes} writes, the emulator ${counts.writes}`);
  const route = (k: string) =>
    api_ ? (counts.byRoute[`POST /repos/{owner}/{repo}/git/${k}`] ?? 0) : null;
  return {
    transport,
    step,
    wall_ms: r.ms,
    dump_ms: out.manifest.duration_ms,
    files: out.manifest.totals.files,
    bytes: out.manifest.totals.bytes,
    writes: api_ ? counts.writes : null,
    reads: api_ ? counts.total - counts.writes : null,
    blobs: route("blobs"),
    trees: route("trees"),
    command: commandLine([process.execPath, args]),
  };
}

const startedAt = new Date();
await ensureDb();
const dir = await mkdtemp(join(tmpdir(), "tsnap-bench-publish-"));
const emulator = await startEmulator(join(dir, "data"));
const steps: Step[] = [];
try {
  const env = {
    GITHUB_TOKEN: TOKEN,
    TABLESNAP_GITHUB_WRITE_INTERVAL_MS: String(interval),
    TABLESNAP_WORK_DIR: join(dir, "work"),
  };
  const targets = {
    github: ["--github", "acme/bench-github", "--github-api-url", emulator.url],
    "git-remote": ["--git-remote", join(dir, "data", "acme", "bench-remote.git")],
  } as const;
  for (const name of ["bench-github", "bench-remote"])
    await api(emulator.url, "POST", "/orgs/acme/repos", { name });
  for (const transport of ["github", "git-remote"] as const) {
    log(`${transport}: first backup`);
    steps.push(await run(transport, "first", targets[transport], env, emulator.url));
    for (let i = 0; i < rounds; i++) {
      log(`${transport}: round ${i + 1} of ${rounds}`);
      steps.push(await run(transport, "unchanged", targets[transport], env, emulator.url));
      const table = `t_${String(i % tables).padStart(4, "0")}`;
      await psql(DB, `update ${table} set qty = qty + 1 where id = 1`);
      steps.push(await run(transport, "one table changed", targets[transport], env, emulator.url));
    }
  }
} finally {
  emulator.child.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
}

const first = steps[0];
const size = first ? `, ${first.files} files, ${(first.bytes / 1048576).toFixed(1)} MiB` : "";
log(
  `\n${tables} tables × ${rows} rows${size}; ${interval} ms between writes; medians of ${rounds}`,
);
const widths = [12, 20, 8, 8, 8, 7, 7, 7];
const line = (cells: readonly string[]) =>
  log(
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 8) : c.padStart(widths[i] ?? 8))).join(""),
  );
line(["transport", "step", "wall s", "dump s", "writes", "blobs", "trees", "reads"]);
const medians = [];
for (const transport of ["github", "git-remote"] as const)
  for (const step of ["first", "unchanged", "one table changed"] as const) {
    const s = steps.filter((x) => x.transport === transport && x.step === step);
    const m = (f: (x: Step) => number | null): number | null => {
      const v = s.map(f).filter((x): x is number => x !== null);
      return v.length > 0 ? median(v) : null;
    };
    const row = {
      transport,
      step,
      wall_ms: m((x) => x.wall_ms),
      dump_ms: m((x) => x.dump_ms),
      writes: m((x) => x.writes),
      blobs: m((x) => x.blobs),
      trees: m((x) => x.trees),
      reads: m((x) => x.reads),
    };
    medians.push(row);
    const n = (v: number | null) => (v === null ? "—" : String(v));
    const cells = [row.wall_ms, row.dump_ms].map((v) => sec(v ?? 0));
    line([transport, step, ...cells, ...[row.writes, row.blobs, row.trees, row.reads].map(n)]);
  }
await writeReport("publish", startedAt, {
  started_at: startedAt.toISOString(),
  host: hostInfo(),
  database: { name: DB, tables, rows_per_table: rows },
  write_interval_ms: interval,
  rounds,
  medians,
  runs: steps,
});
