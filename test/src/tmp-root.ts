import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Vitest global setup: every temporary file of a test run (ours, and those of the git, pg_dump,
 * s3rver and CLI processes the tests start, which inherit TMPDIR) goes under one folder of the
 * run's own, removed when the run ends, so a test that failed, or forgot, leaves nothing behind.
 */
export function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "tablesnap-tests-"));
  // Open like /tmp itself: tests run initdb as the postgres user inside their folders here.
  chmodSync(root, 0o1777);
  const previous = process.env["TMPDIR"];
  process.env["TMPDIR"] = root;
  return () => {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
  };
}
