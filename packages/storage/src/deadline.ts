import { messageOf } from "@tablesnap/core";
import { StorageError } from "./errors.ts";

/** How long one Storage request, or the gap between two chunks of a body, may take. */
export const STORAGE_REQUEST_MS = 60_000;

/**
 * `p`, or a StorageError naming `what` once `ms` pass without it settling; what `p` gives after
 * that goes to `discard` (a response body to destroy, so its socket is not held).
 */
export async function within<T>(
  p: Promise<T>,
  ms: number,
  what: string,
  discard?: (late: T) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => {
      if (discard) p.then(discard, () => {});
      fail(new StorageError(`${what} did not answer within ${ms / 1000} s`, { retriable: true }));
    }, ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The items of `body`; a StorageError when one takes longer than `ms` to come, after `stop()`
 * (which destroys the stream: a stream's iterator would wait for the read that never ends).
 */
export async function* idleBounded<T>(
  body: AsyncIterable<T>,
  ms: number,
  what: string,
  stop: () => void,
  signal?: AbortSignal,
): AsyncIterable<T> {
  const it = body[Symbol.asyncIterator]();
  let failed = false;
  try {
    for (;;) {
      let r: IteratorResult<T>;
      try {
        r = await unlessAborted(within(it.next(), ms, what), signal, what);
      } catch (e) {
        failed = true;
        stop();
        throw e;
      }
      if (r.done) return;
      yield r.value;
    }
  } finally {
    // A consumer that stops early ends the stream; one that failed is ended by `stop`.
    if (!failed) await it.return?.();
  }
}

/** `p`, or a StorageError saying why as soon as `signal` aborts (an interrupt, a run's deadline). */
export async function unlessAborted<T>(
  p: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (!signal) return p;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, fail) => {
    onAbort = () => fail(new StorageError(`${what} stopped: ${messageOf(signal.reason)}`));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
