import { sql } from "drizzle-orm";

/** First key of tablesnap's two-key advisory locks ("ts" and "tm"), apart from other users'. */
export const LOCK_SPACE = { target: 0x7473, migrate: 0x746d } as const;

/** Waits for the target's transaction lock: one writer per target at a time. */
export function lockTarget(target: string) {
  return sql`select pg_advisory_xact_lock(${LOCK_SPACE.target}, hashtext(${target}))`;
}

/** Takes the target's transaction lock when free; `{ locked: false }` when another holds it. */
export function tryLockTarget(target: string) {
  return sql<{
    locked: boolean;
  }>`select pg_try_advisory_xact_lock(${LOCK_SPACE.target}, hashtext(${target})) as locked`;
}
