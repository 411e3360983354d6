import type { ArtifactStore } from "@tablesnap/artifacts";
import { isArchivePart, ROLES_FILE, schemaFile } from "@tablesnap/core";
import { type EncryptionSettings, encryptingStore, tableMatcher } from "@tablesnap/encryption";
import type { TableInfo } from "./catalog.ts";
import { DumpError } from "./errors.ts";

/** Which files of one run are encrypted, decided once from its settings and tables. */
export interface EncryptionPlan {
  readonly recipients: readonly string[];
  /** OIDs of the tables whose data files are encrypted. */
  readonly tables: ReadonlySet<number>;
  /**
   * The store the run's own jobs write through: `roles.sql`, the archive of every schema that
   * holds an encrypted table, and with `schema` those tables' `schema.sql`, are encrypted.
   */
  readonly ownStore: ArtifactStore;
}

/**
 * A table is encrypted when it or one of its ancestors (a partitioned parent, an inheritance
 * parent: `parents` maps a child's OID to its parents') matches a pattern, so naming a
 * partitioned table encrypts the partitions that hold its rows. A pattern that matches no table
 * fails the run: a typo must not leave the data it meant in plain text.
 */
export function planEncryption(
  settings: EncryptionSettings | undefined,
  store: ArtifactStore,
  tables: readonly TableInfo[],
  folders: { table: (t: TableInfo) => string; schema: ReadonlyMap<string, string> },
  parents: ReadonlyMap<number, readonly number[]> = new Map(),
): EncryptionPlan | null {
  if (!settings || settings.recipients.length === 0) return null;
  for (const pattern of settings.tables) {
    const one = tableMatcher([pattern]);
    if (!tables.some((t) => one(t.schema, t.name)))
      throw new DumpError(
        `--encrypt ${JSON.stringify(pattern)} matches no table of this database (names are case-sensitive): nothing was backed up, so nothing it meant to protect was written in plain text`,
      );
  }
  const matches = tableMatcher(settings.tables);
  const byOid = new Map(tables.map((t) => [t.oid, t]));
  const named = (oid: number, seen = new Set<number>()): boolean => {
    const t = byOid.get(oid);
    if (t && matches(t.schema, t.name)) return true;
    if (seen.has(oid)) return false;
    seen.add(oid);
    return (parents.get(oid) ?? []).some((p) => named(p, seen));
  };
  const chosen = tables.filter((t) => named(t.oid));
  const archives = [...new Set(chosen.map((t) => folders.schema.get(t.schema)))].filter(
    (f): f is string => f !== undefined,
  );
  const schemaFiles = new Set(
    settings.schema ? chosen.map((t) => schemaFile(folders.table(t))) : [],
  );
  const encrypts = (path: string) =>
    path === ROLES_FILE || schemaFiles.has(path) || archives.some((f) => isArchivePart(f, path));
  return {
    recipients: settings.recipients,
    tables: new Set(chosen.map((t) => t.oid)),
    ownStore: encryptingStore(store, settings.recipients, encrypts),
  };
}
