import { createHash, timingSafeEqual } from "node:crypto";

/** Equal strings, compared in constant time (hashes first, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
