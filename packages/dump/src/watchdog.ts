import type { TableInfo } from "./catalog.ts";
import { TableStalledError } from "./errors.ts";

/** How fast a server is assumed to sort a table before its first row, for the stall bound. */
const FIRST_ROW_BYTES_PER_SECOND = 10_000_000;

/** Fails a copy that has not moved for `ms`: `stalled` rejects, and `onFire` cancels the COPY. */
export class Watchdog {
  readonly stalled: Promise<never>;
  readonly error: TableStalledError;
  fired = false;
  onFire: () => void = () => {};
  #timer: NodeJS.Timeout | undefined;
  #reject: (e: Error) => void = () => {};
  readonly #ms: number;

  constructor(t: TableInfo, ms: number) {
    this.#ms = ms;
    this.error = new TableStalledError(t.qname, ms);
    this.stalled = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    this.stalled.catch(() => {});
    // The first row may come only after the server sorted the whole table (ORDER BY on a table
    // without a usable index): allow for that, at 10 MB/s of its size.
    this.#arm(ms + Math.ceil(t.bytesEstimate / FIRST_ROW_BYTES_PER_SECOND) * 1000);
  }

  pet(): void {
    this.#arm(this.#ms);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.onFire();
      this.#reject(this.error);
    }, ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
