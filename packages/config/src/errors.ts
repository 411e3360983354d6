import { TablesnapError } from "@tablesnap/core";
import type { ConfigIssue } from "./types.ts";

/** Every problem found in the configuration at once, each with where it is. Never holds values. */
export class ConfigError extends TablesnapError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
    const n = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super("config", `invalid configuration (${n}):\n${lines.join("\n")}`, {
      context: { problems: issues.length },
    });
    this.issues = issues;
  }
}
