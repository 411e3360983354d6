/** Parsing and formatting of raw git objects and identities. */

export type EntryType = "blob" | "tree" | "commit";

export interface TreeEntry {
  /** Six digits, as GitHub shows them: `100644`, `100755`, `040000`, `120000`, `160000`. */
  readonly mode: string;
  readonly type: EntryType;
  readonly sha: string;
  readonly name: string;
}

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
  /** Seconds since the epoch. */
  readonly time: number;
  /** Minutes east of UTC. */
  readonly offsetMinutes: number;
}

export interface ParsedCommit {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: GitIdentity;
  readonly committer: GitIdentity;
  readonly message: string;
}

export const MODE_TYPES: Readonly<Record<string, EntryType>> = {
  "100644": "blob",
  "100755": "blob",
  "120000": "blob",
  "040000": "tree",
  "160000": "commit",
};

export function typeOfMode(mode: string): EntryType | undefined {
  return MODE_TYPES[mode];
}

/** Parses a raw tree object (`<mode> <name>\0<20-byte id>` repeated). */
export function parseTree(data: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(32, i);
    const nul = data.indexOf(0, sp);
    const mode = data.subarray(i, sp).toString("latin1").padStart(6, "0");
    const name = data.subarray(sp + 1, nul).toString("utf8");
    const sha = data.subarray(nul + 1, nul + 21).toString("hex");
    entries.push({ mode, type: typeOfMode(mode) ?? "blob", sha, name });
    i = nul + 21;
  }
  return entries;
}

const IDENTITY = /^(.*) <(.*)> (-?\d+) ([+-])(\d\d)(\d\d)$/;

export function parseIdentity(line: string): GitIdentity {
  const m = IDENTITY.exec(line);
  if (!m) return { name: line, email: "", time: 0, offsetMinutes: 0 };
  const [, name = "", email = "", time = "0", sign, hh = "0", mm = "0"] = m;
  const offset = Number(hh) * 60 + Number(mm);
  return { name, email, time: Number(time), offsetMinutes: sign === "-" ? -offset : offset };
}

/** Parses a raw commit: headers up to the first empty line, then the message verbatim. */
export function parseCommit(data: Buffer): ParsedCommit {
  const text = data.toString("utf8");
  const split = text.indexOf("\n\n");
  const head = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? "" : text.slice(split + 2);
  let tree = "";
  const parents: string[] = [];
  let author = parseIdentity("");
  let committer = author;
  for (const line of head.split("\n")) {
    if (line.startsWith(" ")) continue; // continuation of a multi-line header (gpgsig)
    const sp = line.indexOf(" ");
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === "tree") tree = value;
    else if (key === "parent") parents.push(value);
    else if (key === "author") author = parseIdentity(value);
    else if (key === "committer") committer = parseIdentity(value);
  }
  return { tree, parents, author, committer, message };
}

/** `2014-11-07T22:01:45Z` (GitHub shows git dates in UTC). */
export function isoDate(id: GitIdentity): string {
  return new Date(id.time * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The value of GIT_AUTHOR_DATE / GIT_COMMITTER_DATE for an identity: `@<seconds> +hhmm`. */
export function gitDate(id: GitIdentity): string {
  const sign = id.offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(id.offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `@${id.time} ${sign}${hh}${mm}`;
}

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(Z|[+-]\d\d:?\d\d)?$/;

/** Parses an ISO 8601 date as GitHub accepts it, keeping its UTC offset; `undefined` if bad. */
export function parseIsoDate(value: string): { time: number; offsetMinutes: number } | undefined {
  const m = ISO.exec(value);
  if (!m) return undefined;
  const zone = m[2] ?? "Z";
  const ms = Date.parse(`${m[1]}${zone === "Z" ? "Z" : zone}`);
  if (Number.isNaN(ms)) return undefined;
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const digits = zone.replace(":", "");
    const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
    offsetMinutes = digits.startsWith("-") ? -minutes : minutes;
  }
  return { time: Math.floor(ms / 1000), offsetMinutes };
}
