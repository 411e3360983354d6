import { DATABASE_FILE, ROLES_FILE } from "@tablesnap/core";
import type { Sql } from "@tablesnap/dump";
import { ForeignKeyError } from "./errors.ts";
import {
  DRY_SETVAL,
  defuseSetval,
  emptyForReplace,
  type FailureNote,
  loadTable,
  lockForReplace,
  refreshViews,
  runEntries,
  runText,
} from "./execute.ts";
import { foreignKeyViolations, notValidBaseline } from "./foreign-keys.ts";
import type { PlannedTable, RestorePlan } from "./plan.ts";
import { clearOwnDefaultPrivileges } from "./privileges.ts";
import type { RolesPlan } from "./roles.ts";
import type { TargetState } from "./target.ts";
import type { RestoreOptions, RestoreProgress } from "./types.ts";
import { undoWholeRestore } from "./undo.ts";

const ONE_TX: FailureNote = {
  rolledBack: "the transaction was rolled back: the target is as it was",
};

export interface Ctx {
  readonly o: RestoreOptions;
  readonly plan: RestorePlan;
  readonly roles: RolesPlan | null;
  readonly loads: readonly PlannedTable[];
  readonly onBytes: (n: number) => void;
  readonly tableDone: (t: PlannedTable) => void;
  readonly phase: (p: RestoreProgress["phase"]) => void;
}

/** Thrown at the end of a dry run's transaction, so that it rolls back. */
const DRY_RUN = new Error("dry run: rolled back");

/**
 * Everything in one transaction: any failure leaves the target exactly as it was. A dry run
 * (`o.dryRun`) does all of it and rolls back, so it fails wherever the real run would.
 */
export async function single(sql: Sql, c: Ctx): Promise<number> {
  const { o, plan } = c;
  const done = await sql
    .begin(async (tx) => {
      await runText(tx, DATABASE_FILE, plan.preamble, ONE_TX);
      if (o.dryRun) await runText(tx, "(dry run)", DRY_SETVAL, ONE_TX);
      const sequenceSql = o.dryRun ? defuseSetval : (s: string) => s;
      if (c.roles?.sql) await runText(tx, ROLES_FILE, c.roles.sql, ONE_TX);
      // Objects start from PostgreSQL's default privileges, as the backup's GRANTs assume. A whole
      // restore brings the source's default privileges; a partial one puts the target's back.
      const ownDefaults = await clearOwnDefaultPrivileges(tx);
      const replaced = plan.tables.filter((t) => t.mode === "replace");
      // Replaced and platform tables keep their triggers and foreign keys: switch them off while
      // loading (as pg_restore --disable-triggers does), and check the keys ourselves after.
      const quiet = replaced.length > 0 || plan.tables.some((t) => t.mode === "append");
      if (quiet)
        await runText(tx, "(restore)", "SET LOCAL session_replication_role = replica", ONE_TX);
      await lockForReplace(tx, replaced, ONE_TX);
      // Keys to and from tables loaded into existing ones are checked after the load.
      const checked = plan.tables.filter((t) => t.mode === "replace" || t.mode === "append");
      const baseline = await notValidBaseline(tx, checked);
      await emptyForReplace(tx, replaced, ONE_TX);
      c.phase("pre-data");
      await runEntries(tx, plan.pre, ONE_TX, o.signal);
      c.phase("data");
      for (const t of c.loads) {
        await loadTable(tx, o.reader, t, ONE_TX, o.signal, c.onBytes, sequenceSql);
        c.tableDone(t);
      }
      if (quiet)
        await runText(tx, "(restore)", "SET LOCAL session_replication_role = origin", ONE_TX);
      c.phase("post-data");
      await runEntries(tx, plan.post, ONE_TX, o.signal);
      for (const s of plan.sequences) await runText(tx, s.file, sequenceSql(s.text), ONE_TX);
      await refreshViews(tx, plan.refresh, ONE_TX);
      if (!plan.whole && ownDefaults) await runText(tx, "(restore)", ownDefaults, ONE_TX);
      const broken = await foreignKeyViolations(tx, checked, baseline);
      if (broken.length > 0) throw new ForeignKeyError(broken);
      o.signal.throwIfAborted();
      if (o.dryRun) throw DRY_RUN;
      return 1;
    })
    .catch((e: unknown) => {
      if (e === DRY_RUN) return 0;
      throw e;
    });
  return done;
}

/**
 * A whole restore with `jobs` connections: schema first (one transaction), tables in parallel
 * (one transaction each), then indexes, constraints and the rest (one transaction). A failure
 * after the first commit is undone by dropping what this restore created.
 */
export async function parallel(sql: Sql, target: TargetState, c: Ctx): Promise<number> {
  const { o, plan } = c;
  const note: FailureNote = {
    rolledBack:
      "the schemas, extensions, relations, routines and types the restore had created were dropped; collations, text search configurations, operators, casts, comments on schemas that were already there and roles created by --roles may remain: recreate the database before trying again",
  };
  let committed = 0;
  let ownDefaults = "";
  try {
    await sql.begin(async (tx) => {
      await runText(tx, DATABASE_FILE, plan.preamble, note);
      if (c.roles?.sql) await runText(tx, ROLES_FILE, c.roles.sql, note);
      ownDefaults = await clearOwnDefaultPrivileges(tx);
      c.phase("pre-data");
      await runEntries(tx, plan.pre, note, o.signal);
    });
    c.phase("data");
    committed++;
    // Every data file is a complete COPY block, so the parts of one big table load side by side;
    // largest first, so no connection is left with a big file at the end.
    const queue = c.loads
      .flatMap((t) => t.dataFiles.map((f) => ({ t, f })))
      .sort((a, b) => b.f.bytes - a.f.bytes);
    const parts = new Map(c.loads.map((t) => [t, t.dataFiles.length]));
    let failed = false;
    const worker = async () => {
      // After one file fails the others take no new file: the undo waits for all of them.
      for (let job = queue.shift(); job && !failed; job = queue.shift()) {
        const { t, f } = job;
        await sql.begin(async (tx) => {
          await runText(tx, DATABASE_FILE, plan.preamble, note);
          await loadTable(tx, o.reader, { ...t, dataFiles: [f] }, note, o.signal, c.onBytes);
        });
        committed++;
        const left = (parts.get(t) ?? 1) - 1;
        parts.set(t, left);
        if (left === 0) c.tableDone(t);
      }
    };
    const workers = Array.from({ length: Math.min(o.jobs, Math.max(1, queue.length)) }, () =>
      worker().catch((e: unknown) => {
        failed = true;
        throw e;
      }),
    );
    const results = await Promise.allSettled(workers);
    const error = results.find((r) => r.status === "rejected");
    if (error) throw error.reason;
    c.phase("post-data");
    await sql.begin(async (tx) => {
      await runText(tx, DATABASE_FILE, plan.preamble, note);
      await runEntries(tx, plan.post, note, o.signal);
      for (const s of plan.sequences) await runText(tx, s.file, s.text, note);
      await refreshViews(tx, plan.refresh, note);
    });
    return committed + 1;
  } catch (e) {
    if (committed > 0) {
      await undoWholeRestore(sql, target);
      // The target's own default privileges, taken away by the first transaction, come back.
      if (ownDefaults) await sql.unsafe(ownDefaults).catch(() => {});
    }
    throw e;
  }
}
