/** What the S3 adapter reads from and writes into HTTP: headers, metadata, parts. */

import { ObjectGoneError } from "./errors.ts";
import type { ObjectMeta } from "./source.ts";

/** Headers S3 keeps as the object's own, not user metadata. */
const STANDARD = new Set([
  "content-type",
  "cache-control",
  "content-encoding",
  "content-disposition",
  "content-language",
]);

/** S3's answer for a key that is not there (a HEAD has no body, so only its status). */
export function isGone(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "NoSuchKey" || code === "NotFound" || e instanceof ObjectGoneError;
}

export function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, "");
}

export function metaOf(raw: Record<string, unknown>): ObjectMeta {
  const metadata: Record<string, string> = {};
  let contentType: string | null = null;
  let cacheControl: string | null = null;
  for (const [k, v] of Object.entries(raw)) {
    const key = k.toLowerCase();
    const value = String(v);
    if (key === "content-type") contentType = value;
    else if (key === "cache-control") cacheControl = value;
    else if (!STANDARD.has(key) && !key.startsWith("x-amz-")) metadata[key] = value;
  }
  return { contentType, cacheControl, metadata: sortedKeys(metadata) };
}

/** The metadata of a GET's response headers: content type, cache control, `x-amz-meta-*`. */
export function metaFromHeaders(h: Record<string, string | string[] | undefined>): ObjectMeta {
  const one = (v: string | string[] | undefined) => [v].flat()[0];
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    const value = one(v);
    if (k.startsWith("x-amz-meta-") && value !== undefined) metadata[k.slice(11)] = value;
  }
  return {
    contentType: one(h["content-type"]) ?? null,
    cacheControl: one(h["cache-control"]) ?? null,
    metadata: sortedKeys(metadata),
  };
}

export function headersOf(meta: ObjectMeta): Record<string, string> {
  const h: Record<string, string> = {};
  if (meta.contentType !== null) h["content-type"] = meta.contentType;
  if (meta.cacheControl !== null) h["cache-control"] = meta.cacheControl;
  for (const [k, v] of Object.entries(meta.metadata)) h[`x-amz-meta-${k}`] = v;
  return h;
}

export function sortedKeys(m: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The bytes of `body` in buffers of exactly `size` (the last one shorter). */
export async function* chunked(
  body: AsyncIterable<Uint8Array>,
  size: number,
): AsyncIterable<Buffer> {
  let held: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    held.push(Buffer.from(c));
    n += c.byteLength;
    while (n >= size) {
      const all = Buffer.concat(held, n);
      yield all.subarray(0, size);
      const rest = all.subarray(size);
      held = rest.length > 0 ? [Buffer.from(rest)] : [];
      n = rest.length;
    }
  }
  if (n > 0) yield Buffer.concat(held, n);
}
