import { messageOf } from "@tablesnap/core";
import type { CoordinatorDeps } from "./types.ts";

/** Resend only while JetStream still remembers the first message id (its window is 120 s). */
export const RESEND_WINDOW_MS = 90_000;
const RESEND_AFTER_MS = 5_000;
const RESEND_EVERY_MS = 10_000;

/**
 * Covers a coordinator that died (or lost NATS) between claiming a run and publishing its `dump`:
 * for a running run that no worker has opened a snapshot for yet, started 5 to 90 s ago, any
 * replica publishes the `dump` again, every 10 s. Within the dedupe window a message that did
 * arrive is dropped as a duplicate, so workers never see the run twice; a missing one arrives.
 * Returns the run ids whose `dump` was really missing.
 */
export async function resendDumps(
  deps: CoordinatorDeps,
  lastTry: Map<string, number> = new Map(),
): Promise<string[]> {
  const now = deps.now().getTime();
  for (const [runId, at] of lastTry) if (now - at > RESEND_WINDOW_MS) lastTry.delete(runId);
  const resent: string[] = [];
  for (const target of deps.config.targets) {
    const { running: run } = await deps.state.targetSummary(target.name);
    if (run === null || run.status !== "running" || run.snapshotId !== null) continue;
    const age = now - (run.startedAt?.getTime() ?? now);
    if (age < RESEND_AFTER_MS || age > RESEND_WINDOW_MS) continue;
    if (now - (lastTry.get(run.id) ?? 0) < RESEND_EVERY_MS) continue;
    lastTry.set(run.id, now);
    try {
      const ack = await deps.bus.publish("dump", { run_id: run.id, target: run.target });
      if (ack.duplicate) continue;
      resent.push(run.id);
      deps.logger.warn({ run: run.id, target: run.target }, "dump message was missing: sent again");
    } catch (error) {
      deps.logger.warn({ run: run.id, error: messageOf(error) }, "dump not sent yet");
    }
  }
  return resent;
}
