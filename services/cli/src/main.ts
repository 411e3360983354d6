#!/usr/bin/env node
// The CLI's entry: usage and help come from help.ts alone; a command's code is loaded only when
// it runs, so `tablesnap --help` starts in a fraction of the time a backup does.
import { EXIT } from "./exit.ts";
import { HELP, USAGE } from "./help.ts";

async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return command ? EXIT.ok : EXIT.usage;
  }
  const help = HELP[command];
  if (help === undefined) {
    process.stderr.write(`tablesnap: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${help}\n`);
    return EXIT.ok;
  }
  const { run } = await import("./run.ts");
  return run(command, rest, env);
}

process.exitCode = await main(process.argv.slice(2), process.env);
