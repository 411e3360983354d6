/** How long `until` waits, how often it looks, and what it adds to its error. */
export interface UntilOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Appended to the timeout error, e.g. the logs of the processes under test. */
  readonly context?: () => string;
}

/**
 * The one polling helper of the tests: calls `check` until it gives something other than
 * `undefined` or `false` and returns that; throws naming `what` after `timeoutMs` (default 60 s),
 * with `context()` (e.g. the logs of the processes under test) appended.
 * A `check` that throws ends the wait with its error.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: UntilOptions | number = {},
  context?: () => string,
): Promise<T> {
  const o: UntilOptions =
    typeof options === "number" ? { timeoutMs: options, ...(context ? { context } : {}) } : options;
  const timeoutMs = o.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      const more = o.context?.() ?? "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${more ? `\n${more}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 20));
  }
}
