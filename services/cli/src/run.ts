import { exitSoon, isServerError, messageOf, STOP_LIMIT_MS, TablesnapError } from "@tablesnap/core";
import { DumpAbortedError } from "@tablesnap/dump";
import { parseBackupArgs } from "./args.ts";
import { backupCommand } from "./commands/backup.ts";
import { diffCommand, formatDiff, parseDiffArgs } from "./commands/diff.ts";
import { drillCommand, formatDrill, parseDrillArgs } from "./commands/drill.ts";
import { keysCommand, parseKeysArgs } from "./commands/keys.ts";
import { formatPrune, parsePruneArgs, pruneCommand } from "./commands/prune.ts";
import { parseRestoreArgs, restoreCommand } from "./commands/restore.ts";
import { formatVerify, parseVerifyArgs, verifyCommand } from "./commands/verify.ts";
import { EXIT } from "./exit.ts";
import { SERVE_HELP } from "./help.ts";
import { makeOutput } from "./output.ts";
import { formatRestore, formatStorageRestore } from "./restore-summary.ts";
import { formatSummary } from "./summary.ts";

/** Runs `command` (its help and the unknown ones are main.ts's), and gives the exit code. */
export async function run(
  command: string,
  rest: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  if (command === "verify") return verify(rest);
  if (command === "keys") return keys(rest, env);
  if (command === "prune") return prune(rest, env);
  if (command === "diff") return diff(rest, env);
  if (command === "serve") return serve(rest, env);
  if (command === "restore" || command === "drill")
    return interruptible((signal) =>
      command === "restore" ? restore(rest, signal) : drill(rest, signal),
    );
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

async function keys(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  try {
    const args = parseKeysArgs(argv, env);
    const r = await keysCommand(args, makeOutput(process.stderr, false));
    process.stderr.write(
      `re-keyed ${r.folder}: ${r.files} encrypted file(s) now for ${r.recipients.join(", ")} (commit ${r.commit.slice(0, 12)}); archives keep their keys\n`,
    );
    return EXIT.ok;
  } catch (e) {
    return report(e, false);
  }
}

async function prune(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  try {
    const args = parsePruneArgs(argv, env);
    const r = await pruneCommand(args, makeOutput(process.stderr, args.json));
    if (args.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else process.stderr.write(`${formatPrune(r, args)}\n`);
    return EXIT.ok;
  } catch (e) {
    return report(e, false);
  }
}

async function diff(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  try {
    const args = parseDiffArgs(argv, env);
    const r = await diffCommand(args, (line) => {
      if (!args.json) process.stdout.write(`${line}\n`);
    });
    if (args.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      const out = formatDiff(r);
      process.stdout.write(out.stdout);
      process.stderr.write(out.stderr);
    }
    return EXIT.ok;
  } catch (e) {
    return report(e, false);
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

/** Runs a command that stops (rolling back what it has open) on SIGINT or SIGTERM. */
async function interruptible(fn: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const interrupts = new AbortController();
  const onSignal = () => interrupts.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(interrupts.signal);
  } catch (e) {
    return report(e, interrupts.signal.aborted);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Runs every service until SIGTERM or SIGINT, then stops them cleanly. */
async function serve(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  if (argv.length > 0) {
    process.stderr.write(`tablesnap: serve takes no arguments\n${SERVE_HELP}\n`);
    return EXIT.usage;
  }
  const stop = new AbortController();
  const onSignal = () => {
    stop.abort();
    setTimeout(() => {
      process.stderr.write(`tablesnap: serve did not stop within ${STOP_LIMIT_MS} ms\n`);
      process.exit(EXIT.failed);
    }, STOP_LIMIT_MS).unref();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // Loaded only here: the services' packages (drizzle above all) cost about 200 MB and 0.8 s
    // at start-up, which a backup or restore does not need.
    const { serveCommand } = await import("./commands/serve.ts");
    await serveCommand(env, stop.signal);
    exitSoon(EXIT.ok);
    return EXIT.ok;
  } catch (e) {
    const code = report(e, false);
    // Open clients (NATS reconnecting, say) would keep the process alive.
    setTimeout(() => process.exit(code), 100).unref();
    return code;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function restore(argv: readonly string[], signal: AbortSignal): Promise<number> {
  const args = parseRestoreArgs(argv, process.env);
  const r = await restoreCommand(args, makeOutput(process.stderr, args.quiet), signal);
  // Without --storage the JSON is the database's report, as it always was.
  if (args.json)
    process.stdout.write(`${JSON.stringify(args.storage ? r : r.database, null, 2)}\n`);
  else {
    const db = r.database ? formatRestore(r.database) : { stdout: "", stderr: "" };
    const files = r.storage ? formatStorageRestore(r.storage) : "";
    process.stdout.write(db.stdout);
    process.stderr.write(db.stderr + files);
  }
  return EXIT.ok;
}

async function drill(argv: readonly string[], signal: AbortSignal): Promise<number> {
  const args = parseDrillArgs(argv, process.env);
  const r = await drillCommand(args, makeOutput(process.stderr, args.quiet), signal);
  if (args.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    const out = formatDrill(r);
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
  }
  return r.ok ? EXIT.ok : EXIT.failed;
}

function report(e: unknown, aborted: boolean): number {
  if (aborted || e instanceof DumpAbortedError) {
    process.stderr.write("\ntablesnap: interrupted; nothing was committed\n");
    // What the command opened is rolled back and cleaned up by now; a connection still being
    // attempted (a server that does not answer as PostgreSQL) must not keep the process alive.
    setTimeout(() => process.exit(EXIT.interrupted), 500).unref();
    return EXIT.interrupted;
  }
  if (e instanceof TablesnapError) {
    process.stderr.write(`tablesnap: error: ${e.message}\n`);
    return e.code === "usage" ? EXIT.usage : EXIT.failed;
  }
  // A server's own error is its one line (row data left out), never a stack.
  const text = isServerError(e)
    ? messageOf(e)
    : e instanceof Error
      ? (e.stack ?? e.message)
      : String(e);
  process.stderr.write(`tablesnap: unexpected error: ${text}\n`);
  return EXIT.failed;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}
