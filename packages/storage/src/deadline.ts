import { StorageError } from "./errors.ts";

/** How long one Storage request, or the gap between two chunks of a body, may take. */
export const STORAGE_REQUEST_MS = 60_000;

/** `p`, or a StorageError naming `what` once `ms` pass without it settling. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () =>
        fail(new StorageError(`${what} did not answer within ${ms / 1000} s`, { retriable: true })),
      ms,
    );
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The chunks of `body`; a StorageError when one takes longer than `ms` to come. */
export async function* idleBounded(
  body: AsyncIterable<Uint8Array>,
  ms: number,
  what: string,
): AsyncIterable<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const r = await within(it.next(), ms, what);
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}
