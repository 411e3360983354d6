import type { Context } from "hono";
import { HttpError } from "./errors.ts";

/** GitHub's own limit for webhook payloads. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

const tooLarge = (limit: number) =>
  new HttpError(413, "payload_too_large", `body over ${limit} bytes; send a smaller request`);

/** The media type without parameters, lower case; "" when there is none. */
export function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** 415 unless the request's media type is one of `accepted`. */
export function requireMediaType(c: Context, accepted: readonly string[]): string {
  const type = mediaType(c);
  if (!accepted.includes(type)) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      `content type ${type === "" ? "(none)" : type} not accepted; send ${accepted.join(" or ")}`,
    );
  }
  return type;
}

/**
 * The raw body as bytes, refused with 413 when `Content-Length` or the bytes actually streamed
 * exceed `limit` (a lying or absent Content-Length does not get around it).
 */
export async function readRawBody(c: Context, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const body = c.req.raw.body;
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Strict UTF-8 text: invalid bytes are a malformed body (400). */
export function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "malformed_body", "body is not valid UTF-8");
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "malformed_body", "body is not valid JSON");
  }
}
