import { type BackupChanges, backupChanges, changesLine } from "@tablesnap/core";
import { encodeCursor, GOOD_STATUSES, type Run, type StateStore } from "@tablesnap/state";

/** How far back to look for the backup before a run: 10 pages of 50 runs. */
const PAGES = 10;
const WITH_BACKUP = new Set<string>([...GOOD_STATUSES, "partial"]);

/**
 * What a run's backup changed against the target's previous backup made by the services (the
 * newest older run that succeeded, was unchanged or partial), from the two manifests the state database
 * keeps: nothing is read from the repository. Null while the run has no manifest, or when no
 * older backup is within the last 500 runs.
 */
export async function runChanges(state: StateStore, run: Run): Promise<BackupChanges | null> {
  if (run.manifest === null) return null;
  let cursor: string | null = encodeCursor(run);
  for (let page = 0; page < PAGES && cursor !== null; page++) {
    const older = await state.listRuns(run.target, { limit: 50, cursor });
    const previous = older.runs.find((r) => WITH_BACKUP.has(r.status) && r.manifest !== null);
    if (previous !== undefined) return backupChanges(previous.manifest, run.manifest);
    cursor = older.nextCursor;
  }
  return cursor === null ? backupChanges(null, run.manifest) : null;
}

/** The API's (and the run page's) view of a run's changes. */
export function changesView(c: BackupChanges | null) {
  if (c === null) return null;
  return {
    summary: changesLine(c),
    since_backup_id: c.since,
    added: [...c.added],
    removed: [...c.removed],
    changed: c.changed.map((t) => ({
      table: t.table,
      data: t.data,
      schema: t.schema,
      rows_before: t.rowsBefore,
      rows_after: t.rowsAfter,
    })),
    rows_delta: c.rowsDelta,
  };
}

export type ChangesView = ReturnType<typeof changesView>;
