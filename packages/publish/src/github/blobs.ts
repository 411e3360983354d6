import { createHash } from "node:crypto";
import { TextDecoder } from "node:util";
import type { ArtifactStore } from "@tablesnap/artifacts";
import { GitError } from "../errors.ts";
import { objectSha } from "../memory/objects.ts";
import type { BlobBody } from "./overlay.ts";

export interface HashedBlob {
  readonly sha: string;
  /** UTF-8 text without NUL and at most the inline size: it can go as `content` of a tree item. */
  readonly inline: boolean;
}

/**
 * The git blob SHA of an artifact (sha1 of `blob <size>\0` and the bytes), read once as a
 * stream; the size must be the one the manifest gives, as for the local adapter.
 */
export async function hashArtifact(
  store: ArtifactStore,
  path: string,
  bytes: number,
  inlineMaxBytes: number,
): Promise<HashedBlob> {
  const hash = createHash("sha1").update(`blob ${bytes}\0`);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let text = bytes <= inlineMaxBytes;
  let seen = 0;
  for await (const chunk of store.read(path)) {
    seen += chunk.length;
    if (seen > bytes) break;
    hash.update(chunk);
    if (text) text = !chunk.includes(0) && decodes(decoder, chunk);
  }
  if (seen !== bytes)
    throw new GitError(
      `artifact ${path} has ${seen > bytes ? "more than " : ""}${seen} bytes, the manifest says ${bytes}`,
    );
  if (text) text = decodes(decoder);
  return { sha: hash.digest("hex"), inline: text };
}

export function hashText(text: string, inlineMaxBytes: number): HashedBlob {
  const data = Buffer.from(text, "utf8");
  return {
    sha: objectSha("blob", data),
    inline: data.length <= inlineMaxBytes && !data.includes(0),
  };
}

function decodes(decoder: TextDecoder, chunk?: Uint8Array): boolean {
  try {
    if (chunk) decoder.decode(chunk, { stream: true });
    else decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/** The whole content of a blob to send. Files are at most 32 MiB (the dump splits larger ones). */
export async function readBody(store: ArtifactStore, body: BlobBody): Promise<Buffer> {
  if (body.kind === "text") return Buffer.from(body.text, "utf8");
  const chunks: Uint8Array[] = [];
  let seen = 0;
  for await (const c of store.read(body.path)) {
    chunks.push(c);
    seen += c.length;
  }
  if (seen !== body.bytes)
    throw new GitError(`artifact ${body.path} changed while publishing (${seen} bytes)`);
  return Buffer.concat(chunks);
}

/** The text of an inline blob, byte for byte (a BOM is kept). */
export async function readInline(store: ArtifactStore, body: BlobBody): Promise<string> {
  if (body.kind === "text") return body.text;
  const data = await readBody(store, body);
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data);
}
