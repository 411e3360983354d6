import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { messageOf, UsageError } from "@tablesnap/core";

/**
 * A command's flags, strictly: an unknown flag or a missing value is a UsageError (exit 2) in
 * node's own words. Every command parses through this.
 */
export function parseFlags<const O extends ParseArgsOptionsConfig, const P extends boolean = false>(
  argv: readonly string[],
  options: O,
  allowPositionals?: P,
) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: (allowPositionals ?? false) as P,
      options,
    });
  } catch (e) {
    throw new UsageError(messageOf(e));
  }
}
