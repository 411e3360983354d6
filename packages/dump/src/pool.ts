import { DumpAbortedError } from "./errors.ts";

/**
 * Runs tasks with at most `concurrency` at once, in the order given (largest first is the
 * caller's job). The first failure stops new tasks from starting and is rethrown once the
 * running ones have settled, so no work is left running behind the caller's back.
 */
export async function runPool(
  tasks: ReadonlyArray<() => Promise<void>>,
  concurrency: number,
  signal: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < tasks.length) {
      if (signal.aborted) {
        failure ??= { error: new DumpAbortedError() };
        return;
      }
      const task = tasks[next++];
      try {
        await task?.();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker),
  );
  if (failure) throw failure.error;
  if (signal.aborted) throw new DumpAbortedError();
}
