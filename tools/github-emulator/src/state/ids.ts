import { createHash, randomBytes } from "node:crypto";

/** A stable positive id (31 bits) for a name: the same repository keeps its id across restarts. */
export function stableId(kind: string, name: string): number {
  const h = createHash("sha256").update(`${kind}:${name.toLowerCase()}`).digest();
  return h.readUInt32BE(0) & 0x7fffffff || 1;
}

/** GitHub-style global node id (`R_kgDO…`), opaque to clients. */
export function nodeId(prefix: string, id: number): string {
  return `${prefix}_kgDO${Buffer.from(String(id)).toString("base64url")}`;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A token in GitHub's format: `ghs_` plus 36 alphanumerics. */
export function newToken(prefix: string): string {
  const bytes = randomBytes(36);
  let out = `${prefix}_`;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

export function requestId(): string {
  const hex = randomBytes(10).toString("hex").toUpperCase();
  return `${hex.slice(0, 4)}:${hex.slice(4, 10)}:${hex.slice(10, 20)}`;
}
