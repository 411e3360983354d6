import type { TargetConfig } from "@tablesnap/config";
import { messageOf } from "@tablesnap/core";
import { connect } from "@tablesnap/dump";
import { silentLogger, type WorkerLogger } from "@tablesnap/runs";
import type { HolderDeps } from "./holder.ts";

/** What a target's check found: nothing (`problem` absent), or the first thing wrong. */
export interface TargetCheck {
  readonly target: string;
  readonly problem?: string;
}

/**
 * Checks each target as a run of it would start, all at once: the database answers as PostgreSQL
 * (within the connect bound) and its role can open the run's kind of snapshot; the backup
 * repository opens with the credentials (`checkRepo`). One target's problem never holds up the
 * others' checks, and no check takes longer than `timeoutMs` (default 30 s): a server that
 * answers the connection but nothing after it is a problem too.
 */
export function checkTargets(
  targets: readonly TargetConfig[],
  checkRepo?: HolderDeps["checkRepo"],
  signal?: AbortSignal,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<TargetCheck[]> {
  return Promise.all(
    targets.map(async (t) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the checks did not finish within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      });
      try {
        await Promise.race([
          (async () => {
            await checkDatabase(t.databaseUrl, signal);
            await checkRepo?.(t.repository);
          })(),
          late,
        ]);
        return { target: t.name };
      } catch (e) {
        return { target: t.name, problem: messageOf(e) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** How long one target's checks at start may take. */
export const CHECK_TIMEOUT_MS = 30_000;

async function checkDatabase(url: string, signal?: AbortSignal): Promise<void> {
  const { sql } = await connect(url, 1, signal);
  try {
    await sql.begin(
      "isolation level repeatable read read only",
      (tx) => tx`select pg_export_snapshot()`,
    );
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}

/** Logs every target's check at start: a warning names a broken target and what is wrong. */
export async function logTargetChecks(
  targets: readonly TargetConfig[],
  checkRepo: HolderDeps["checkRepo"],
  logger: WorkerLogger | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const log = logger ?? silentLogger;
  for (const c of await checkTargets(targets, checkRepo, signal)) {
    if (c.problem === undefined) log.info({ target: c.target }, "target ready");
    else log.warn({ target: c.target, problem: c.problem }, "target check failed");
  }
}
