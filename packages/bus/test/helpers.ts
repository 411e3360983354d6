import type { BusLogger, MessageInput } from "../src/index.ts";

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Simulated work inside a handler (not a wait for an outcome). */
export const work = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A logger that keeps its lines for assertions instead of printing them. */
export function recordingLogger(): BusLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (context: Record<string, unknown>, message: string) =>
    void lines.push(`${message} ${JSON.stringify(context)}`);
  return { lines, warn: keep, error: keep };
}

export function trigger(id: string, extra: Partial<MessageInput<"trigger">> = {}) {
  return {
    id,
    target: "default",
    source: "acme/api",
    event: "push",
    ref: "abc1234",
    at: new Date().toISOString(),
    ...extra,
  } satisfies MessageInput<"trigger">;
}

export function job(runId: string, name: string) {
  return { run_id: runId, target: "default", table: { schema: "public", name } };
}
