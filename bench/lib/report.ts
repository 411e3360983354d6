import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { ROOT } from "./commands.ts";
import { log, sec } from "./format.ts";
import { median } from "./measure.ts";

/** A whole-number option from `min` to `max`; anything else is a usage error. */
export function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, not ${value}`);
  }
  return n;
}

/** The machine, as the JSON reports record it, taken when the run starts. */
export function hostInfo(): { cpus: number; node: string; loadavg_start: number[] } {
  return { cpus: availableParallelism(), node: process.version, loadavg_start: loadavg() };
}

/** One line of the results table: a variant's wall times, its ratio and its peak memory as text. */
export interface TableRow {
  readonly label: string;
  readonly ms: readonly number[];
  readonly ratio: string;
  readonly peak: string;
}

/** Prints median, min and max (seconds) of each row, then its ratio and peak columns. */
export function printTimes(ratioHeader: string, rows: readonly TableRow[]): void {
  const ratioWidth = Math.max(13, ratioHeader.length + 2);
  log(
    `${"variant".padEnd(30)}${"median".padStart(8)}${"min".padStart(8)}${"max".padStart(8)}` +
      `${ratioHeader.padStart(ratioWidth)}${"peak RSS".padStart(13)}`,
  );
  for (const r of rows) {
    log(
      `${r.label.padEnd(30)}${sec(median(r.ms)).padStart(8)}` +
        `${sec(Math.min(...r.ms)).padStart(8)}${sec(Math.max(...r.ms)).padStart(8)}` +
        `${r.ratio.padStart(ratioWidth)}${r.peak.padStart(13)}`,
    );
  }
}

/** Writes `.bench/<name>-<start time>.json` (git-ignored) and says where. */
export async function writeReport(name: string, startedAt: Date, report: unknown): Promise<void> {
  const dir = join(ROOT, ".bench");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`\nwrote ${file}`);
}
