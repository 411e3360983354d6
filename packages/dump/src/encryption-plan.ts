import type { ArtifactStore } from "@tablesnap/artifacts";
import { isArchivePart, ROLES_FILE, schemaFile } from "@tablesnap/core";
import { type EncryptionSettings, encryptingStore, tableMatcher } from "@tablesnap/encryption";
import type { TableInfo } from "./catalog.ts";

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

export function planEncryption(
  settings: EncryptionSettings | undefined,
  store: ArtifactStore,
  tables: readonly TableInfo[],
  folders: { table: (t: TableInfo) => string; schema: ReadonlyMap<string, string> },
): EncryptionPlan | null {
  if (!settings || settings.recipients.length === 0) return null;
  const matches = tableMatcher(settings.tables);
  const chosen = tables.filter((t) => matches(t.schema, t.name));
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
