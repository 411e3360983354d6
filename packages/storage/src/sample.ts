import { randomInt } from "node:crypto";

/** `n` items picked at random without repeats (all of them when there are fewer). */
export function sample<T>(items: readonly T[], n: number): T[] {
  const copy = [...items];
  for (let i = 0; i < Math.min(n, copy.length); i++) {
    const j = i + randomInt(copy.length - i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, n);
}
