import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { freePort } from "./net.ts";
import { psql, withDatabase } from "./postgres.ts";

const run = promisify(execFile);

/** `../shared/fixtures/supabase` beside the checkout (CI lays `shared/` there too). */
export const SUPABASE_FIXTURE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../shared/fixtures/supabase",
);
/** The application the Supabase tests build on a new project, as `postgres`. */
export const SUPABASE_APP_SQL = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../fixtures/supabase-app.sql",
);

export interface SupabaseCluster {
  readonly port: number;
  /** A URL on the cluster as `role` (trust auth). */
  url(database: string, role?: string): string;
  /** A new, empty project made from the platform template (`new-project.sh`). */
  newProject(name: string): Promise<string>;
  /** Runs SQL as the cluster's superuser `supabase_admin`. */
  admin(database: string, command: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Builds a Supabase-shaped cluster from Supabase's own SQL (`build-platform.sh`, ~20 s) in a
 * temporary folder the OS user `postgres` can reach; `stop()` stops it and removes it.
 */
export async function startSupabaseCluster(
  env: Record<string, string> = {},
): Promise<SupabaseCluster> {
  if (!existsSync(join(SUPABASE_FIXTURE, "build-platform.sh")))
    throw new Error(
      `the Supabase fixture is not at ${SUPABASE_FIXTURE}: these tests need ../shared/fixtures/supabase beside the checkout`,
    );
  const base = await mkdtemp("/tmp/tsnap-sb-");
  await run("chmod", ["755", base]);
  const data = join(base, "pg");
  const port = await freePort();
  const pgbin = process.env["SB_PGBIN"] ?? "/usr/lib/postgresql/15/bin";
  await run("bash", [join(SUPABASE_FIXTURE, "build-platform.sh"), data, String(port)], {
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  const url = (database: string, role = "postgres") =>
    withDatabase(`postgres://${role}@127.0.0.1:${port}/postgres`, database);
  return {
    port,
    url,
    async newProject(name) {
      await run("bash", [join(SUPABASE_FIXTURE, "new-project.sh"), String(port), name]);
      return url(name);
    },
    async admin(database, command) {
      return await psql(url(database, "supabase_admin"), { command });
    },
    async stop() {
      await run("su", ["postgres", "-c", `${pgbin}/pg_ctl -D ${data} -m immediate -w stop`]).catch(
        () => {},
      );
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** A postgres.js client on a cluster database, as `role`. */
export function clientOn(c: SupabaseCluster, database: string, role = "postgres"): postgres.Sql {
  return postgres(c.url(database, role), { max: 2, onnotice: () => {} });
}
