import type { LsTreeEntry, RefInfo } from "../git/bare-repo.ts";
import { isoDate, type ParsedCommit } from "../git/objects.ts";
import { nodeId, stableId } from "../state/ids.ts";

const UNSIGNED = {
  verified: false,
  reason: "unsigned",
  signature: null,
  payload: null,
  verified_at: null,
} as const;

const objectNodeId = (prefix: string, sha: string): string =>
  nodeId(prefix, stableId("object", sha));

export function gitRef(base: string, full: string, r: RefInfo) {
  const type = r.type === "tag" ? "tags" : `${r.type}s`;
  return {
    ref: r.ref,
    node_id: nodeId("REF", stableId("ref", `${full}:${r.ref}`)),
    url: `${base}/repos/${full}/git/${r.ref}`,
    object: { sha: r.sha, type: r.type, url: `${base}/repos/${full}/git/${type}/${r.sha}` },
  };
}

export function gitCommit(base: string, full: string, sha: string, c: ParsedCommit) {
  const identity = (id: ParsedCommit["author"]) => ({
    name: id.name,
    email: id.email,
    date: isoDate(id),
  });
  return {
    sha,
    node_id: objectNodeId("C", sha),
    url: `${base}/repos/${full}/git/commits/${sha}`,
    html_url: `https://github.com/${full}/commit/${sha}`,
    author: identity(c.author),
    committer: identity(c.committer),
    tree: { sha: c.tree, url: `${base}/repos/${full}/git/trees/${c.tree}` },
    message: c.message,
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${base}/repos/${full}/git/commits/${p}`,
      html_url: `https://github.com/${full}/commit/${p}`,
    })),
    verification: UNSIGNED,
  };
}

/** GitHub wraps blob base64 at 60 characters per line, each line ending in `\n`. */
export function wrapBase64(data: Buffer): string {
  const b64 = data.toString("base64");
  let out = "";
  for (let i = 0; i < b64.length; i += 60) out += `${b64.slice(i, i + 60)}\n`;
  return out;
}

export function gitBlob(base: string, full: string, sha: string, data: Buffer) {
  return {
    sha,
    node_id: objectNodeId("B", sha),
    size: data.length,
    url: `${base}/repos/${full}/git/blobs/${sha}`,
    content: wrapBase64(data),
    encoding: "base64",
  };
}

export function gitTree(base: string, full: string, sha: string, entries: readonly LsTreeEntry[]) {
  return {
    sha,
    url: `${base}/repos/${full}/git/trees/${sha}`,
    tree: entries.map((e) => ({
      path: e.path,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.size === undefined ? {} : { size: e.size }),
      ...(e.type === "commit" ? {} : { url: `${base}/repos/${full}/git/${e.type}s/${e.sha}` }),
    })),
    truncated: false,
  };
}

/** `file-commit`: the answer of `PUT /repos/{owner}/{repo}/contents/{path}`. */
export function fileCommit(
  base: string,
  full: string,
  file: { path: string; sha: string; size: number; branch: string },
  commit: { sha: string; parsed: ParsedCommit },
) {
  const name = file.path.split("/").at(-1) ?? file.path;
  const self = `${base}/repos/${full}/contents/${file.path}?ref=${encodeURIComponent(file.branch)}`;
  const git = `${base}/repos/${full}/git/blobs/${file.sha}`;
  const html = `https://github.com/${full}/blob/${file.branch}/${file.path}`;
  const c = gitCommit(base, full, commit.sha, commit.parsed);
  return {
    content: {
      name,
      path: file.path,
      sha: file.sha,
      size: file.size,
      url: self,
      html_url: html,
      git_url: git,
      download_url: `https://raw.githubusercontent.com/${full}/${file.branch}/${file.path}`,
      type: "file",
      _links: { self, git, html },
    },
    commit: c,
  };
}
