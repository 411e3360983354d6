import { messageOf } from "@tablesnap/core";
import { StorageError } from "./errors.ts";

/**
 * Runs `fn` on every item, at most `limit` at once. The first failure stops new items from
 * starting and is rethrown once the running ones have settled; so is an abort.
 */
export async function eachLimit<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      if (signal.aborted) {
        failure ??= { error: new StorageError(`stopped: ${messageOf(signal.reason)}`) };
        return;
      }
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
}
