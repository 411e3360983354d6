import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { databaseUrl, ensureBigDb } from "./db.ts";
import { kbToMb, log, mb, round1, round3, sec } from "./format.ts";
import { type ChildSpan, measure } from "./measure.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/**
 * The tablesnap CLI as `./tablesnap` runs it: the bundle, built afresh from this checkout's
 * source when a benchmark starts (not timed).
 */
export const CLI = join(ROOT, "services", "cli", "dist", "main.js");
execFileSync(process.execPath, [join(ROOT, "scripts", "build-cli.ts")], { stdio: "inherit" });
/** One measured command may take this long before it is killed. */
export const RUN_TIMEOUT_MS = 20 * 60_000;
/** Issue 13: peak memory under 200 MB in every dump case. */
export const TARGET_PEAK_MB = 200;

export type Command = readonly [string, readonly string[]];
/** A command writing into `out`: a repository, or pg_dump's output folder. */
export type CommandFor = (out: string) => Command;

export const tablesnap =
  (db: string, extra: readonly string[]): CommandFor =>
  (repo) => [
    process.execPath,
    [CLI, "backup", "--database-url", databaseUrl(db), "--repo", repo, ...extra],
  ];

/**
 * A fresh age recipient (public key) to encrypt to. bench/ has no node_modules, so the key is
 * made by a Node started in packages/encryption, where the age library resolves.
 */
export function newRecipient(): string {
  const script =
    'import { generateX25519Identity as g, identityToRecipient as r } from "age-encryption";' +
    "console.log(await r(await g()));";
  return execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: join(ROOT, "packages", "encryption"),
  })
    .toString()
    .trim();
}

export const pgDump =
  (db: string): CommandFor =>
  (dir) => ["pg_dump", ["-Fd", "-j", "2", "-Z0", "-f", dir, "-d", databaseUrl(db)]];

/** The command as one would type it from the repository root. */
export function commandLine([cmd, args]: Command): string {
  return [cmd === process.execPath ? "node" : cmd, ...args]
    .map((a) => (a.startsWith(ROOT) ? a.slice(ROOT.length) : a))
    .join(" ");
}

export interface Phases {
  readonly wall_ms: number;
  /** manifest.duration_ms: connecting, snapshot, catalog, every table and pg_dump file. */
  readonly dump_ms: number;
  /** The rest: node start-up, checking the repository, git fast-import, the work tree. */
  readonly startup_and_publish_ms: number;
  readonly peak_rss_mb: number;
  readonly bytes: number;
  readonly children: readonly ChildSpan[];
}

/** One tablesnap run with --json (for manifest.duration_ms), sampling its child processes too. */
export async function phaseRun(command: CommandFor, repo: string): Promise<Phases> {
  const [cmd, baseArgs] = command(repo);
  const args = [...baseArgs, "--json"];
  const r = await measure(cmd, args, { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS, watchChildren: true });
  const manifest = field(JSON.parse(r.stdout), "manifest");
  const dumpMs = Number(field(manifest, "duration_ms"));
  const bytes = Number(field(field(manifest, "totals"), "bytes"));
  const p: Phases = {
    wall_ms: round1(r.ms),
    dump_ms: dumpMs,
    startup_and_publish_ms: round1(r.ms - dumpMs),
    peak_rss_mb: kbToMb(r.peakKb),
    bytes,
    children: r.children,
  };
  log(`  ${commandLine([cmd, args])}`);
  log(
    `    wall ${sec(p.wall_ms)} s = dump ${sec(p.dump_ms)} s (manifest.duration_ms) + ` +
      `${sec(p.startup_and_publish_ms)} s start-up/repository/publish; ${mb(bytes)} MB of data; ` +
      `peak ${p.peak_rss_mb} MB`,
  );
  for (const c of r.children) {
    log(
      `    ${c.command.padEnd(26)} x${String(c.count).padEnd(3)} running ${sec(c.firstSeenMs)}–` +
        `${sec(c.lastSeenMs)} s, peak ${kbToMb(c.peakKb)} MB`,
    );
  }
  return p;
}

const BIG_DB = "tablesnap_bench_big";
const BIG_BYTES = 1024 ** 3;

/** --big: one table of ~1 GB; one pg_dump, then one tablesnap run into a new repository. */
export async function bigRun(
  work: string,
  /** Also back it up encrypted to this recipient, for the memory and time encryption costs. */
  recipient?: string,
): Promise<Record<string, unknown>> {
  log(`\n--big: ${BIG_DB}`);
  const size = await ensureBigDb(BIG_DB, BIG_BYTES);
  const dir = join(work, "big-pg_dump-out");
  const dump = pgDump(BIG_DB)(dir);
  const d = await measure(dump[0], dump[1], { cwd: ROOT, timeoutMs: RUN_TIMEOUT_MS });
  log(`  ${commandLine(dump)}: ${sec(d.ms)} s`);
  await rm(dir, { recursive: true, force: true });
  const t = await phaseRun(tablesnap(BIG_DB, ["--no-custom-dump", "--quiet"]), join(work, "big"));
  const ratio = t.wall_ms / d.ms;
  const peakOk = t.peak_rss_mb < TARGET_PEAK_MB ? "ok" : `over ${TARGET_PEAK_MB} MB`;
  log(
    `  1 GB table: tablesnap ${sec(t.wall_ms)} s vs pg_dump ${sec(d.ms)} s ` +
      `(${ratio.toFixed(2)}x); tablesnap peak ${t.peak_rss_mb} MB (${peakOk})`,
  );
  const encrypted = recipient
    ? await phaseRun(
        tablesnap(BIG_DB, ["--no-custom-dump", "--quiet", "--encrypt-to", recipient]),
        join(work, "big-encrypted"),
      )
    : undefined;
  if (encrypted)
    log(
      `  1 GB table, encrypted: ${sec(encrypted.wall_ms)} s (${(encrypted.wall_ms / t.wall_ms).toFixed(2)}x unencrypted); peak ${encrypted.peak_rss_mb} MB`,
    );
  return {
    database: BIG_DB,
    table_bytes: size,
    pg_dump_ms: round1(d.ms),
    tablesnap: t,
    ratio: round3(ratio),
    ...(encrypted
      ? { encrypted, encrypted_over_plain: round3(encrypted.wall_ms / t.wall_ms) }
      : {}),
  };
}

function field(v: unknown, key: string): unknown {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
}
