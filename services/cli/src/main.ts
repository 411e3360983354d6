#!/usr/bin/env node
import { TablesnapError } from "@tablesnap/core";
import { DumpAbortedError } from "@tablesnap/dump";
import { BACKUP_HELP, parseBackupArgs } from "./args.ts";
import { backupCommand } from "./commands/backup.ts";
import { formatVerify, parseVerifyArgs, VERIFY_HELP, verifyCommand } from "./commands/verify.ts";
import { makeOutput } from "./output.ts";
import { formatSummary } from "./summary.ts";

const USAGE = `Usage: tablesnap <command> [options]

Commands:
  backup    back up a whole database into a git repository (tablesnap backup --help)
  verify    check every file of a backup against its manifest (tablesnap verify --help)`;

/** Exit codes every command shares. */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3, interrupted: 130 } as const;

async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command !== "backup" && command !== "verify") {
    process.stderr.write(`tablesnap: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command === "backup" ? BACKUP_HELP : VERIFY_HELP}\n`);
    return EXIT.ok;
  }
  if (command === "verify") return verify(rest);
  const interrupts = new AbortController();
  let inCritical = false;
  let stopRequested = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (inCritical) {
      stopRequested = true;
      process.stderr.write(
        `\ntablesnap: ${sig} received; finishing the commit in progress, then stopping\n`,
      );
      return;
    }
    interrupts.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const args = parseBackupArgs(rest, env);
    const out = makeOutput(process.stderr, args.quiet);
    const result = await backupCommand(args, out, interrupts.signal, async (fn) => {
      inCritical = true;
      try {
        return await fn();
      } finally {
        inCritical = false;
      }
    });
    if (args.json) process.stdout.write(`${JSON.stringify(result, jsonReplacer)}\n`);
    else out.info(formatSummary(result));
    // A stop asked for during the commit waited for it: the backup is committed, say so.
    if (stopRequested) process.stderr.write("tablesnap: stopped as asked, after committing\n");
    return result.manifest.status === "partial" ? EXIT.partial : EXIT.ok;
  } catch (e) {
    return report(e, interrupts.signal.aborted);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function verify(argv: readonly string[]): Promise<number> {
  try {
    const args = parseVerifyArgs(argv);
    const r = await verifyCommand(args);
    if (args.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      const out = formatVerify(r);
      process.stdout.write(out.stdout);
      process.stderr.write(out.stderr);
    }
    return r.ok ? EXIT.ok : EXIT.failed;
  } catch (e) {
    return report(e, false);
  }
}

function report(e: unknown, aborted: boolean): number {
  if (aborted || e instanceof DumpAbortedError) {
    process.stderr.write("\ntablesnap: interrupted; nothing was committed\n");
    return EXIT.interrupted;
  }
  if (e instanceof TablesnapError) {
    process.stderr.write(`tablesnap: error: ${e.message}\n`);
    return e.code === "usage" ? EXIT.usage : EXIT.failed;
  }
  process.stderr.write(
    `tablesnap: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  return EXIT.failed;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

process.exitCode = await main(process.argv.slice(2), process.env);
