import { isServerError, serverErrorLine } from "@tablesnap/core";
import type { Tx } from "@tablesnap/dump";
import { loadDataFile } from "./copy-load.ts";
import { RestoreSqlError } from "./errors.ts";
import { quoteQualified } from "./partitions.ts";
import type { PlannedEntry, PlannedTable } from "./plan.ts";
import { aclObject, aclResetStatements } from "./privileges.ts";
import { statementOf } from "./script.ts";
import type { BackupReader } from "./types.ts";

/** What the restore says when a statement fails: which transaction was undone. */
export interface FailureNote {
  rolledBack: string;
}

/** A server error as one line (without row data), or null for any other error. */
function serverMessage(e: unknown): string | null {
  return isServerError(e) ? serverErrorLine(e) : null;
}

/** Runs `fn`; a server error becomes a RestoreSqlError naming the file and the statement. */
async function naming<T>(
  file: string,
  statement: () => string,
  note: FailureNote,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const msg = serverMessage(e);
    if (msg === null) throw e;
    throw new RestoreSqlError(file, statementOf(statement()), msg, note.rolledBack, { cause: e });
  }
}

export async function runText(
  tx: Tx,
  file: string,
  text: string,
  note: FailureNote,
): Promise<void> {
  await naming(
    file,
    () => text,
    note,
    () =>
      tx
        .unsafe(text)
        .execute()
        .then(() => {}),
  );
}

export async function runEntries(
  tx: Tx,
  entries: readonly PlannedEntry[],
  note: FailureNote,
  signal: AbortSignal,
): Promise<void> {
  for (const { file, entry, resetAcl } of entries) {
    signal.throwIfAborted();
    const object = resetAcl ? aclObject(entry.name) : null;
    if (object) {
      const reset = await aclResetStatements(tx, entry.schema, object);
      if (reset) await runText(tx, file, reset, note);
    }
    await runText(tx, file, entry.text, note);
  }
}

/** Loads every data file of a table; `onBytes` reports progress. */
export async function loadTable(
  tx: Tx,
  reader: BackupReader,
  t: PlannedTable,
  note: FailureNote,
  signal: AbortSignal,
  onBytes: (n: number) => void,
  trailer?: (sql: string) => string,
): Promise<void> {
  for (const f of t.dataFiles) {
    signal.throwIfAborted();
    let statement = "";
    await naming(
      f.path,
      () => statement,
      note,
      () => loadDataFile(tx, reader, f, (s) => (statement = s), onBytes, trailer),
    );
  }
}

/**
 * Locks the tables whose rows are replaced, before anything else reads or empties them: other
 * sessions wait, and never see them empty or half loaded.
 */
export async function lockForReplace(tx: Tx, tables: readonly PlannedTable[], note: FailureNote) {
  const names = tables.map((t) => quoteQualified(t.table.schema, t.table.name));
  if (names.length === 0) return;
  await runText(tx, "(restore)", `LOCK TABLE ${names.join(", ")} IN ACCESS EXCLUSIVE MODE`, note);
}

/**
 * Empties the (locked) tables whose rows are replaced, with DELETE (triggers and foreign-key
 * actions are off, so nothing cascades). Never TRUNCATE: it is not MVCC-safe, and a session whose
 * snapshot predates the commit (pg_dump, a REPEATABLE READ report) would see the table empty. A
 * partitioned table holds no rows: its partitions, which the selection brings along, are emptied.
 */
export async function emptyForReplace(tx: Tx, tables: readonly PlannedTable[], note: FailureNote) {
  for (const t of tables.filter((x) => x.table.kind !== "partitioned")) {
    const name = quoteQualified(t.table.schema, t.table.name);
    await runText(tx, "(restore)", `DELETE FROM ONLY ${name}`, note);
  }
}

/**
 * A dry run's stand-in for `setval`: sequences are not transactional, so a dry run that called
 * the real one would move the target's sequences for good. It checks what `setval` would (the
 * sequence exists, the role may update it) and changes nothing. Lives in `pg_temp`, rolled back
 * with the transaction.
 */
export const DRY_SETVAL = `CREATE FUNCTION pg_temp.tablesnap_setval(s regclass, v bigint, called boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  IF NOT has_sequence_privilege(s, 'UPDATE') THEN
    RAISE EXCEPTION 'permission denied for sequence %', s USING ERRCODE = '42501';
  END IF;
  RETURN v;
END $$`;

/** Points a script's `pg_catalog.setval(` calls at {@link DRY_SETVAL}. */
export function defuseSetval(sql: string): string {
  return sql.replaceAll("pg_catalog.setval(", "pg_temp.tablesnap_setval(");
}

/** Refreshes materialized views in pg_dump's order (views that read views come later). */
export async function refreshViews(
  tx: Tx,
  views: readonly { schema: string; name: string }[],
  note: FailureNote,
): Promise<void> {
  for (const v of views) {
    const stmt = `REFRESH MATERIALIZED VIEW ${quoteQualified(v.schema, v.name)}`;
    await runText(tx, "(refresh)", stmt, note);
  }
}
