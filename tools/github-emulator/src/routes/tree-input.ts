import { isSha, type Json, optString, reqString, wrongType } from "../body.ts";
import { invalidRequest, unprocessable } from "../errors.ts";
import type { BareRepo } from "../git/bare-repo.ts";
import { type EntryType, typeOfMode } from "../git/objects.ts";
import type { TreeEdit } from "../git/tree-edit.ts";

/** An entry of a create-a-tree request, checked. */
type TreeInput =
  | { readonly path: string; readonly kind: "delete" }
  | {
      readonly path: string;
      readonly kind: "sha";
      readonly mode: string;
      readonly type: EntryType;
      readonly sha: string;
    }
  | {
      readonly path: string;
      readonly kind: "content";
      readonly mode: string;
      readonly content: string;
    };

const MALFORMED = "tree.path contains a malformed path component";

/** A path git and GitHub accept: no empty, `.`, `..` or `.git` component, no NUL. */
export function isValidPath(path: string): boolean {
  if (path.includes("\0")) return false;
  return path
    .split("/")
    .every((p) => p !== "" && p !== "." && p !== ".." && p.toLowerCase() !== ".git");
}

function parseEntry(raw: unknown, i: number): TreeInput {
  const at = `properties/tree/items/${i}`;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw wrongType(at, raw, "an object");
  const e = raw as Json;
  const path = reqString(e, "path", `${at}/path`);
  if (!isValidPath(path)) throw unprocessable(MALFORMED, { path });
  const mode = optString(e, "mode", `${at}/mode`);
  const type = optString(e, "type", `${at}/type`);
  const content = optString(e, "content", `${at}/content`);
  const sha = e["sha"];
  if (mode !== undefined && !typeOfMode(mode))
    throw invalidRequest(`For '${at}/mode', ${JSON.stringify(mode)} is not a member of the enum.`);
  if (type !== undefined && !["blob", "tree", "commit"].includes(type))
    throw invalidRequest(`For '${at}/type', ${JSON.stringify(type)} is not a member of the enum.`);
  if (sha !== undefined && sha !== null && typeof sha !== "string")
    throw wrongType(`${at}/sha`, sha, "a string");
  if (typeof sha === "string" && content !== undefined)
    throw unprocessable("Must supply either tree.sha or tree.content. Request contained both.");
  if (sha === null) return { path, kind: "delete" };
  const entryType =
    (mode ? typeOfMode(mode) : undefined) ?? (type as EntryType | undefined) ?? "blob";
  if (type !== undefined && type !== entryType)
    throw unprocessable(`tree.type ${type} does not match tree.mode ${mode}`, { path });
  if (content !== undefined) {
    if (entryType !== "blob")
      throw unprocessable(`tree.content is only valid for a blob`, { path });
    return { path, kind: "content", mode: mode ?? "100644", content };
  }
  if (sha === undefined)
    throw unprocessable("Must supply either tree.sha or tree.content", { path });
  const defaultMode =
    entryType === "tree" ? "040000" : entryType === "commit" ? "160000" : "100644";
  return { path, kind: "sha", mode: mode ?? defaultMode, type: entryType, sha };
}

/**
 * Checks every entry, writes the inline contents as blobs and returns the edits in request
 * order. Objects named by `sha` must exist with the entry's type (a submodule's need not).
 */
export async function treeEdits(repo: BareRepo, entries: readonly unknown[]): Promise<TreeEdit[]> {
  const inputs = entries.map(parseEntry);
  return Promise.all(
    inputs.map(async (input): Promise<TreeEdit> => {
      if (input.kind === "delete") return input;
      if (input.kind === "content") {
        const sha = await repo.writeBlob(Buffer.from(input.content, "utf8"));
        return { path: input.path, kind: "set", mode: input.mode, type: "blob", sha };
      }
      if (input.type !== "commit") {
        const obj = isSha(input.sha) ? await repo.info(input.sha) : null;
        if (!obj) throw unprocessable("GitRPC::BadObjectState", { sha: input.sha });
        if (obj.type !== input.type)
          throw unprocessable(`tree.sha ${input.sha} is not a valid ${input.type}`, {
            path: input.path,
          });
      } else if (!isSha(input.sha)) {
        throw unprocessable(`tree.sha ${input.sha} is not a valid commit`, { path: input.path });
      }
      return { path: input.path, kind: "set", mode: input.mode, type: input.type, sha: input.sha };
    }),
  );
}
