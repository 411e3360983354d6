import type { ArtifactStore } from "@tablesnap/artifacts";
import { GitHubApiError } from "../errors.ts";
import { readBody, readInline } from "./blobs.ts";
import type { GitHubClient } from "./client.ts";
import type { TreeItem } from "./emit.ts";

export interface SendContext {
  readonly client: GitHubClient;
  readonly artifacts: ArtifactStore;
  /** Largest body of one create-a-tree request. */
  readonly requestMaxBytes: number;
  /** SHAs the repository holds; blobs sent here are added. */
  readonly known: Set<string>;
  readonly call: <T>(doing: string, fn: () => Promise<T>) => Promise<T>;
}

type NewBlob = Extract<TreeItem, { body: unknown }>;

type WireItem = {
  path: string;
  mode: "100644" | "100755" | "040000" | "160000" | "120000";
  type: "blob" | "tree" | "commit";
  sha?: string | null;
  content?: string;
};

/** Sends, as base64 blobs, the new files that cannot go inline: once per SHA, checked. */
export async function uploadBlobs(ctx: SendContext, items: readonly TreeItem[]): Promise<void> {
  for (const item of items)
    if ("body" in item && !item.inline && !ctx.known.has(item.sha)) await uploadBlob(ctx, item);
}

async function uploadBlob(ctx: SendContext, item: NewBlob): Promise<void> {
  const { octokit, owner, repo } = ctx.client;
  const data = await readBody(ctx.artifacts, item.body);
  const r = await ctx.call(`sending ${item.path}`, () =>
    octokit.rest.git.createBlob({
      owner,
      repo,
      content: data.toString("base64"),
      encoding: "base64",
    }),
  );
  if (r.data.sha !== item.sha)
    throw new GitHubApiError(
      r.status,
      `GitHub stored ${item.path} as blob ${r.data.sha}, expected ${item.sha}`,
    );
  ctx.known.add(item.sha);
}

/**
 * Sends tree items in requests of at most `requestMaxBytes`, each on top of the tree the
 * previous one made (the first on `base`, or on nothing), and returns the last tree. Items of
 * one commit never overlap, so how they are split does not change the result.
 */
export async function sendItems(
  ctx: SendContext,
  base: string | null,
  items: readonly TreeItem[],
): Promise<string> {
  const { octokit, owner, repo } = ctx.client;
  let current = base;
  let batch: WireItem[] = [];
  let inlined: string[] = [];
  let size = 0;
  const flush = async () => {
    const tree = batch;
    const { data } = await ctx.call(`creating a tree (${tree.length} entries)`, () =>
      octokit.rest.git.createTree({
        owner,
        repo,
        tree,
        ...(current ? { base_tree: current } : {}),
      }),
    );
    current = data.sha;
    // The blobs of inline content exist now: later items with the same bytes name them by SHA.
    for (const sha of inlined) ctx.known.add(sha);
    batch = [];
    inlined = [];
    size = 0;
  };
  for (const item of items) {
    let wire = await toWire(ctx, item);
    let n = Buffer.byteLength(JSON.stringify(wire), "utf8") + 1;
    if (n > ctx.requestMaxBytes - 200 && "body" in item) {
      // Text that escapes badly in JSON (control characters) goes as a blob instead.
      await uploadBlob(ctx, item);
      wire = await toWire(ctx, item);
      n = Buffer.byteLength(JSON.stringify(wire), "utf8") + 1;
    }
    if (batch.length > 0 && size + n > ctx.requestMaxBytes - 200) await flush();
    batch.push(wire);
    if (wire.content !== undefined && item.sha) inlined.push(item.sha);
    size += n;
  }
  if (batch.length > 0 || current === null) await flush();
  if (!current) throw new GitHubApiError(0, "GitHub returned no tree");
  return current;
}

/** Write requests `items` will take: blob uploads and tree requests (from sizes, before reading). */
export function countRequests(
  items: readonly TreeItem[],
  requestMaxBytes: number,
  known: ReadonlySet<string>,
): number {
  const uploads = new Set<string>();
  let trees = items.length > 0 ? 1 : 0;
  let size = 0;
  for (const item of items) {
    const isNew = "body" in item && !known.has(item.sha);
    if (isNew && !item.inline) uploads.add(item.sha);
    const bytes = isNew && item.inline ? bodyBytes(item.body) : 0;
    const n = Math.ceil(bytes * 1.15) + Buffer.byteLength(item.path) + 120;
    if (size > 0 && size + n > requestMaxBytes - 200) {
      trees++;
      size = 0;
    }
    size += n;
  }
  return uploads.size + trees;
}

function bodyBytes(body: NewBlob["body"]): number {
  return body.kind === "text" ? Buffer.byteLength(body.text) : body.bytes;
}

async function toWire(ctx: SendContext, item: TreeItem): Promise<WireItem> {
  const base = { path: item.path, mode: item.mode, type: item.type };
  if (item.sha === null) return { ...base, sha: null };
  if (!("body" in item) || ctx.known.has(item.sha) || !item.inline)
    return { ...base, sha: item.sha };
  return { ...base, content: await readInline(ctx.artifacts, item.body) };
}
