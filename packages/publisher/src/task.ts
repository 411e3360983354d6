import type { DeliveryContext, Message } from "@tablesnap/bus";
import { emit, silentLogger, tellWebhook, type WorkerDeps } from "@tablesnap/runs";

/**
 * A maintenance task's work, bound by the target's time limit and by the publisher stopping,
 * with its message kept alive (`working()`) while it runs.
 */
export async function bounded<T>(
  timeLimitSeconds: number,
  ctx: DeliveryContext,
  stop: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const signal = AbortSignal.any([AbortSignal.timeout(timeLimitSeconds * 1000), stop]);
  const alive = setInterval(() => ctx.working(), 10_000);
  try {
    return await work(signal);
  } finally {
    clearInterval(alive);
  }
}

/** A failed task, told once: an error log line, a `<kind>.failed` event, the Slack webhook. */
export async function tellFailed(
  d: WorkerDeps,
  msg: Message<"maintenance">,
  f: {
    readonly what: string;
    readonly logLine: string;
    readonly data: Record<string, unknown>;
    readonly detail: string;
  },
): Promise<void> {
  const log = d.logger ?? silentLogger;
  const context = { [msg.task]: msg.id, target: msg.target };
  log.error({ ...context, ...f.data }, f.logLine);
  await emit(d, { id: msg.id, target: msg.target }, `${msg.task}.failed`, f.data);
  const text = `:x: tablesnap ${f.what} of *${msg.target}* failed (${msg.id}): ${f.detail}`;
  await tellWebhook(d.slack, text, log, context);
}
