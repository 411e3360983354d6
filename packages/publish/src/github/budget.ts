const MINUTE = 60_000;
const HOUR = 3_600_000;

export interface WriteBudgetOptions {
  /** Content-creating requests allowed in any 60 s; GitHub's secondary limit is 80. */
  readonly perMinute?: number;
  /** In any hour; GitHub's secondary limit is 500. */
  readonly perHour?: number;
  /** Writes in any 60 s that may go without a pause (default 10): a publish is a few writes. */
  readonly burst?: number;
  /** Past the burst, the pause between two writes; GitHub asks for one second (default 1000). */
  readonly spacingMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told before every wait, with its length and which window caused it. */
  readonly onWait?: (ms: number, window: "minute" | "hour") => void;
}

/**
 * GitHub's limits on content-creating requests (80 a minute, 500 an hour), kept on our side, and
 * its advice to pause a second between writes, applied once more than `burst` writes fall in a
 * minute (a publish of a few writes goes at once; a first backup of thousands is paced):
 * `take()` waits until one more write fits both sliding windows, so a large first backup slows
 * down instead of meeting 403s; `plan(n)` says how long n more writes will take to be allowed.
 * One budget per credential; callers are served in order.
 */
export class WriteBudget {
  readonly perMinute: number;
  readonly perHour: number;
  readonly burst: number;
  readonly spacingMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onWait: WriteBudgetOptions["onWait"];
  /** Times of the writes of the last hour, oldest first. */
  #times: number[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(o: WriteBudgetOptions = {}) {
    this.perMinute = o.perMinute ?? 80;
    this.perHour = o.perHour ?? 500;
    this.burst = o.burst ?? 10;
    this.spacingMs = o.spacingMs ?? 1000;
    this.#now = o.now ?? Date.now;
    this.#sleep = o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#onWait = o.onWait;
  }

  /** Waits until one more write is allowed, then counts it as sent. */
  take(): Promise<void> {
    const turn = this.#queue.then(() => this.#takeInTurn());
    this.#queue = turn.catch(() => {});
    return turn;
  }

  /** Milliseconds of waiting that `n` more writes need, sent as fast as allowed from now. */
  plan(n: number): number {
    const start = this.#now();
    const times = [...this.#times];
    let t = start;
    for (let i = 0; i < n; i++) {
      t += Math.max(0, waitFor(times, t, this).ms);
      times.push(t);
    }
    return t - start;
  }

  /** Writes counted in the last minute and hour. */
  used(): { minute: number; hour: number } {
    const t = this.#now();
    return {
      minute: this.#times.filter((x) => x > t - MINUTE).length,
      hour: this.#times.filter((x) => x > t - HOUR).length,
    };
  }

  async #takeInTurn(): Promise<void> {
    for (;;) {
      const t = this.#now();
      this.#times = this.#times.filter((x) => x > t - HOUR);
      const { ms, window } = waitFor(this.#times, t, this);
      if (ms <= 0) break;
      this.#onWait?.(ms, window);
      await this.#sleep(ms);
    }
    this.#times.push(this.#now());
  }
}

/** How long after `t` one more write fits, given the sorted times of earlier writes. */
function waitFor(
  times: readonly number[],
  t: number,
  limits: { perMinute: number; perHour: number; burst: number; spacingMs: number },
): { ms: number; window: "minute" | "hour" } {
  const { perMinute, perHour, burst, spacingMs } = limits;
  const inMinute = times.filter((x) => x > t - MINUTE);
  const inHour = times.filter((x) => x > t - HOUR);
  let ms = 0;
  let window: "minute" | "hour" = "minute";
  const minuteOldest = inMinute[inMinute.length - perMinute];
  if (minuteOldest !== undefined) ms = minuteOldest + MINUTE - t;
  const last = inMinute[inMinute.length - 1];
  if (inMinute.length >= burst && last !== undefined && last + spacingMs - t > ms) {
    ms = last + spacingMs - t;
  }
  const hourOldest = inHour[inHour.length - perHour];
  if (hourOldest !== undefined && hourOldest + HOUR - t > ms) {
    ms = hourOldest + HOUR - t;
    window = "hour";
  }
  return { ms, window };
}
