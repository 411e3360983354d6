import type { FileEntry } from "@tablesnap/core";
import { ArtifactNotFoundError } from "./errors.ts";
import type { ArtifactStore } from "./types.ts";

/** Writes `text` (UTF-8) as one file; a failed write leaves nothing behind. */
export async function writeText(
  store: ArtifactStore,
  path: string,
  text: string,
): Promise<FileEntry> {
  const w = await store.openWriter(path);
  try {
    await w.write(new TextEncoder().encode(text));
    return await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

/** A whole file as UTF-8 text, or null when there is none. */
export async function readText(store: ArtifactStore, path: string): Promise<string | null> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const c of store.read(path)) chunks.push(c);
  } catch (e) {
    if (e instanceof ArtifactNotFoundError) return null;
    throw e;
  }
  return Buffer.concat(chunks).toString("utf8");
}
