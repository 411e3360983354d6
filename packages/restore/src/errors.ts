import { TablesnapError, type TablesnapErrorOptions } from "@tablesnap/core";

/** A file the restore needs is missing, or its size or sha256 differs from the manifest. */
export class BackupIntegrityError extends TablesnapError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options: TablesnapErrorOptions = {}) {
    super(
      "backup_integrity",
      `the backup fails its checks, nothing was written:\n  ${problems.join("\n  ")}`,
      options,
    );
    this.problems = problems;
  }
}

/** The backup's text cannot be read as a pg_dump script (an unknown psql meta-command, …). */
export class ScriptError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("restore_script", message, options);
  }
}

/** The target cannot take this restore as it is (not empty, missing roles, …); nothing was written. */
export class TargetError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("restore_target", message, options);
  }
}

/** A statement failed on the target; names the file, the statement and the server's message. */
export class RestoreSqlError extends TablesnapError {
  readonly file: string;
  readonly statement: string;
  readonly serverMessage: string;

  constructor(
    file: string,
    statement: string,
    serverMessage: string,
    rolledBack: string,
    options: TablesnapErrorOptions = {},
  ) {
    super("restore_sql", `${file}: ${serverMessage}\n  in: ${statement}\n  ${rolledBack}`, {
      ...options,
      context: { file },
    });
    this.file = file;
    this.statement = statement;
    this.serverMessage = serverMessage;
  }
}

/** Restored rows break foreign keys to or from tables outside the restore; rolled back. */
export class ForeignKeyError extends TablesnapError {
  constructor(violations: readonly string[], options: TablesnapErrorOptions = {}) {
    super(
      "restore_foreign_keys",
      `foreign keys would be broken, so nothing was changed:\n  ${violations.join("\n  ")}`,
      options,
    );
  }
}

/** The restore was cancelled (Ctrl-C, SIGTERM); its transaction was rolled back. */
export class RestoreAbortedError extends TablesnapError {
  constructor(options: TablesnapErrorOptions = {}) {
    super("aborted", "restore interrupted; its open transaction was rolled back", options);
  }
}

/** A drill cannot start as asked (a Supabase backup without a scratch template, …). */
export class DrillError extends TablesnapError {
  constructor(message: string, options: TablesnapErrorOptions = {}) {
    super("drill", message, options);
  }
}
