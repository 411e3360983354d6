import { urlHasPassword } from "@tablesnap/config";
import { UsageError } from "@tablesnap/core";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A database URL from its flag, else from its environment variable, checked to be a PostgreSQL
 * URL (a usage error otherwise, naming where it came from but not repeating it). A password on
 * the command line is refused (any user of the machine can read it in the process list); in the
 * variable it is fine, and so is PGPASSWORD with a URL that leaves it out.
 */
export function databaseUrlOf(
  flag: string,
  value: string | undefined,
  envName: string,
  env: Env,
): string | undefined {
  if (value !== undefined && urlHasPassword(value))
    throw new UsageError(
      `${flag} holds a password, which other users of this machine can read in the process list: give the URL in ${envName} instead, or leave the password out and set PGPASSWORD`,
    );
  const url = value ?? env[envName];
  if (url !== undefined && !isPostgresUrl(url))
    throw new UsageError(
      `${value !== undefined ? flag : envName} is not a PostgreSQL URL: expected postgres://user@host:port/database`,
    );
  return url;
}

function isPostgresUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const u = new URL(text);
  return u.protocol === "postgres:" || u.protocol === "postgresql:";
}

/** `--git-remote URL`: a password in it is refused, as in a config file. */
export function remoteUrlOf(value: string): string {
  if (urlHasPassword(value))
    throw new UsageError(
      "--git-remote holds a password, which other users of this machine can read in the process list: give git its credentials another way (a credential helper, an SSH key)",
    );
  return value;
}
