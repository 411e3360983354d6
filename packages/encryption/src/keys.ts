import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { UsageError } from "@tablesnap/core";
import { Encrypter, identityToRecipient } from "age-encryption";

const SECRET_KEY = /^AGE-SECRET-KEY-1[0-9A-Z]+$/;
const X25519_RECIPIENT_LENGTH = 62;

/**
 * Checks age X25519 recipients (`age1…`, public keys) and returns them sorted, each once.
 * `where` names the flag or config key in errors. A secret key given by mistake is refused
 * without being repeated.
 */
export function parseRecipients(list: readonly string[], where: string): string[] {
  const out = new Set<string>();
  for (const raw of list) {
    const r = raw.trim();
    // Any secret key (X25519, post-quantum), whole or mangled: refused, never repeated.
    if (/SECRET-KEY/i.test(r))
      throw new UsageError(
        `${where}: that is an age identity (a secret key), not a recipient; give its public key (age-keygen -y FILE prints it)`,
      );
    // By length, not prefix: an X25519 key may well start with age1pq… or age1tag…, while
    // post-quantum and tag recipients are far longer.
    if (!r.startsWith("age1") || r.length !== X25519_RECIPIENT_LENGTH)
      throw new UsageError(
        `${where}: ${shown(r)} is not an age X25519 recipient (a public key age1…, 62 characters)`,
      );
    try {
      new Encrypter().addRecipient(r);
    } catch (e) {
      throw new UsageError(`${where}: ${shown(r)} is not a valid age recipient`, {
        cause: e,
      });
    }
    out.add(r);
  }
  return [...out].sort();
}

/** A refused value as errors show it: its first characters only, in case it is a secret. */
function shown(value: string): string {
  return JSON.stringify(value.length > 16 ? `${value.slice(0, 12)}…` : value);
}

/** Recipients from a file, one per line; blank lines and `#` comments are skipped (age -R). */
export function readRecipientsFile(path: string, where: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${where}: cannot read ${path} (${err.code ?? err.message})`);
  }
  return parseRecipients(contentLines(text), `${where} ${path}`);
}

/** Secret keys to decrypt with, and the recipients they are the keys of. */
export interface Identities {
  readonly keys: readonly string[];
  readonly recipients: ReadonlySet<string>;
}

export const NO_IDENTITIES: Identities = { keys: [], recipients: new Set() };

/** Whether `ids` holds the key of at least one of `recipients`. */
export function canOpen(ids: Identities, recipients: readonly string[]): boolean {
  return recipients.some((r) => ids.recipients.has(r));
}

/**
 * Identity files as `age-keygen` writes them (`AGE-SECRET-KEY-1…` lines, `#` comments). A file
 * without a key, or with a line that is not one, is refused; no key is ever repeated in an error.
 */
export async function readIdentityFiles(
  paths: readonly string[],
  where = "--identity",
): Promise<Identities> {
  const keys: string[] = [];
  for (const path of paths) {
    const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`${where}: cannot read ${path} (${e.code ?? e.message})`);
    });
    keys.push(...identityLines(text, `${where} ${path}`));
  }
  return identitiesOf(keys, where);
}

/**
 * The services' keys (config `ageIdentity`): TABLESNAP_AGE_IDENTITY, the identity file's text
 * from a secret, and TABLESNAP_AGE_IDENTITY_FILE, a mounted secret file; none when neither is set.
 */
export async function identitiesFrom(s: {
  readonly text?: string | undefined;
  readonly file?: string | undefined;
}): Promise<Identities> {
  const { text, file } = s;
  // Each source checked on its own, so an error names the variable the bad key came from.
  const sources = [
    ...(text
      ? [
          await identitiesOf(
            identityLines(text, "TABLESNAP_AGE_IDENTITY"),
            "TABLESNAP_AGE_IDENTITY",
          ),
        ]
      : []),
    ...(file ? [await readIdentityFiles([file], "TABLESNAP_AGE_IDENTITY_FILE")] : []),
  ];
  if (sources.length === 0) return NO_IDENTITIES;
  return {
    keys: sources.flatMap((s) => s.keys),
    recipients: new Set(sources.flatMap((s) => [...s.recipients])),
  };
}

function identityLines(text: string, where: string): string[] {
  const lines = contentLines(text);
  if (lines.length === 0) throw new UsageError(`${where}: holds no age identity`);
  for (const [i, line] of lines.entries()) {
    if (!SECRET_KEY.test(line))
      throw new UsageError(
        `${where}: key ${i + 1} is not an age X25519 identity (AGE-SECRET-KEY-1…)`,
      );
  }
  return lines;
}

async function identitiesOf(keys: readonly string[], where: string): Promise<Identities> {
  const recipients = new Set<string>();
  for (const [i, key] of keys.entries()) {
    try {
      recipients.add(await identityToRecipient(key));
    } catch {
      throw new UsageError(`${where}: key ${i + 1} is not a valid age identity`);
    }
  }
  return { keys: [...keys], recipients };
}

function contentLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}
