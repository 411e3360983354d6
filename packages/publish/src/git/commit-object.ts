import { GitError } from "../errors.ts";
import type { CommitInfo, NewCommit, Signature } from "../history.ts";

/** A raw commit object (`git cat-file commit`) as CommitInfo; headers other than these are left out. */
export function parseCommitObject(sha: string, raw: string): CommitInfo {
  const split = raw.indexOf("\n\n");
  const headers = (split < 0 ? raw : raw.slice(0, split)).split("\n");
  const message = split < 0 ? "" : raw.slice(split + 2);
  const one = (name: string) =>
    headers.find((h) => h.startsWith(`${name} `))?.slice(name.length + 1);
  const tree = one("tree");
  const author = one("author");
  const committer = one("committer");
  if (!tree || !author || !committer) throw new GitError(`commit ${sha} cannot be read`);
  const parents = headers.filter((h) => h.startsWith("parent ")).map((h) => h.slice(7));
  return {
    sha,
    tree,
    parents,
    message,
    author: signature(author),
    committer: signature(committer),
  };
}

/** The bytes git hashes for a commit (`git hash-object -t commit`). */
export function formatCommitObject(c: NewCommit): string {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`)];
  lines.push(`author ${gitSignature(c.author)}`, `committer ${gitSignature(c.committer)}`);
  return `${lines.join("\n")}\n\n${c.message}`;
}

function signature(text: string): Signature {
  const m = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(text);
  if (!m) throw new GitError(`unreadable commit signature: ${text}`);
  const [, name = "", email = "", seconds = "0", tz = "+0000"] = m;
  const offsetMin =
    (tz.startsWith("-") ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3)));
  const local = new Date((Number(seconds) + offsetMin * 60) * 1000).toISOString().slice(0, 19);
  return {
    name,
    email,
    date: `${local}${tz === "+0000" ? "Z" : `${tz.slice(0, 3)}:${tz.slice(3)}`}`,
  };
}

function gitSignature(s: Signature): string {
  const seconds = Math.floor(Date.parse(s.date) / 1000);
  if (!Number.isFinite(seconds)) throw new GitError(`not a date: ${s.date}`);
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(s.date);
  const tz = m ? `${m[1]}${m[2]}${m[3]}` : "+0000";
  return `${s.name} <${s.email}> ${seconds} ${tz}`;
}
