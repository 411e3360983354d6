import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "./migrate.ts";

const pkg = fileURLToPath(new URL("../..", import.meta.url));
const kit = join(pkg, "node_modules/drizzle-kit/bin.cjs");

it("has a committed migration for every change to the drizzle schema", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tsnap-drizzle-"));
  try {
    await cp(MIGRATIONS_FOLDER, join(dir, "drizzle"), { recursive: true });
    // drizzle-kit joins --out to "./", so it has to be relative.
    const out = relative(pkg, join(dir, "drizzle"));
    const args = ["generate", "--dialect", "postgresql", "--schema", "src/pg/schema.ts"];
    const { stdout } = await promisify(execFile)(process.execPath, [kit, ...args, "--out", out], {
      cwd: pkg,
    });
    expect(stdout, "run `pnpm --filter @tablesnap/state db:generate`").toMatch(/No schema changes/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 30_000);
