import type { NewTrigger } from "../src/index.ts";

export const T0 = new Date("2026-03-01T10:00:00.000Z");
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let seq = 0;
/** A trigger with a fresh id unless one is given. */
export function trigger(target: string, over: Partial<NewTrigger> = {}): NewTrigger {
  seq += 1;
  return {
    id: `delivery-${seq}`,
    target,
    source: "acme-api",
    event: "push",
    ref: "abc1234",
    receivedAt: T0,
    ...over,
  };
}

export const LIMIT = { timeLimitSeconds: 3600 };
export const DEBOUNCE = { debounceSeconds: 30 };
