import { z } from "zod";

/** Version of the manifest layout; readers refuse versions they do not know. */
export const MANIFEST_FORMAT = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const isoTime = z.string().datetime({ offset: true });

/** An age recipient (X25519 public key). */
const recipient = z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/);

export const fileEntrySchema = z.object({
  /** Relative to the backup folder, `/`-separated; an encrypted file's ends in `.age`. */
  path: z.string().min(1),
  /** Of the bytes stored (the ciphertext, for an encrypted file). */
  sha256,
  bytes: z.number().int().nonnegative(),
  /** An encrypted file's plaintext: what a reader with an identity gets back. */
  plain: z.object({ sha256, bytes: z.number().int().nonnegative() }).optional(),
  /** Who can read an encrypted file, sorted; present exactly when `plain` is. */
  recipients: z.array(recipient).min(1).optional(),
});

export const triggerSchema = z.object({
  source: z.string().min(1),
  event: z.enum(["push", "pr", "schedule", "manual"]),
  ref: z.string().min(1),
  id: z.string().optional(),
  at: isoTime.optional(),
  actor: z.string().optional(),
  note: z.string().optional(),
});

export const sequenceValueSchema = z.object({
  name: z.string(),
  value: z.string(),
  is_called: z.boolean(),
});

export const tableEntrySchema = z.object({
  schema: z.string(),
  name: z.string(),
  kind: z.enum(["table", "partitioned", "partition"]),
  /** The table's folder, relative to the backup folder. */
  path: z.string(),
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  files: z.array(fileEntrySchema),
  sequences: z.array(sequenceValueSchema),
});

export const schemaEntrySchema = z.object({
  name: z.string(),
  path: z.string(),
  files: z.array(fileEntrySchema),
});

/** One Storage bucket of a backup: its listing file, and how its objects and rows agree. */
export const storageBucketSchema = z.object({
  name: z.string().min(1),
  /** The bucket's folder, relative to the backup folder (`storage/<bucket>`). */
  path: z.string(),
  objects: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** `objects.jsonl`, the listing. */
  files: z.array(fileEntrySchema),
  /** Objects written after the database snapshot (marked so in the listing). */
  changed_during_backup: z.number().int().nonnegative(),
  /** Objects listed but gone when read (deleted meanwhile, or a row without its file). */
  gone_during_backup: z.number().int().nonnegative().optional(),
  /** Objects without a `storage.objects` row in the snapshot. */
  files_without_row: z.number().int().nonnegative(),
  /** `storage.objects` rows of the snapshot without an object: their names, at most 100. */
  rows_without_file: z.array(z.string()),
  rows_without_file_count: z.number().int().nonnegative(),
});

export const storageSectionSchema = z.object({
  /** Where the files are kept by sha256 (a folder, or an S3 bucket and prefix). */
  store: z.string(),
  /** Files are stored as age ciphertext to the manifest's recipients. */
  encrypted: z.boolean(),
  read_started: isoTime,
  read_finished: isoTime,
  /** The point in time of the files, in words. */
  consistency: z.string(),
  buckets: z.array(storageBucketSchema),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  backup_id: z.string().min(1),
  created_at: isoTime,
  snapshot: z.object({
    time: isoTime,
    server_version: z.string(),
    database: z.string(),
  }),
  triggers: z.array(triggerSchema).min(1),
  /** Files that belong to no schema: `database.sql` (database-wide objects, pg_dump's preamble). */
  files: z.array(fileEntrySchema),
  schemas: z.array(schemaEntrySchema),
  tables: z.array(tableEntrySchema),
  roles: z.object({
    /** False when `pg_authid` was not readable and roles were dumped `--no-role-passwords`. */
    passwords: z.boolean(),
    files: z.array(fileEntrySchema),
  }),
  totals: z.object({
    schemas: z.number().int().nonnegative(),
    tables: z.number().int().nonnegative(),
    rows: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    files: z.number().int().nonnegative(),
  }),
  tool: z.object({ name: z.literal("tablesnap"), version: z.string() }),
  duration_ms: z.number().int().nonnegative(),
  status: z.enum(["complete", "partial"]),
  skipped: z.array(z.object({ object: z.string(), reason: z.string() })),
  /** Materialized views and whether they held data (absent in backups before 0.2). */
  materialized_views: z
    .array(z.object({ schema: z.string(), name: z.string(), populated: z.boolean() }))
    .optional(),
  /** Supabase Storage's files, when the backup read them (absent otherwise). */
  storage: storageSectionSchema.optional(),
  options: z.object({
    include_schemas: z.array(z.string()),
    exclude_schemas: z.array(z.string()),
    custom_dump: z.boolean(),
    /** Where data files were split (absent in backups before 0.2: 32 MiB). */
    max_file_bytes: z.number().int().positive().optional(),
  }),
});

/** The size of what a file holds: its plaintext's when it is encrypted. */
export function plainBytes(f: FileEntry): number {
  return f.plain?.bytes ?? f.bytes;
}

/** Every file a manifest lists, in a stable order. */
export function manifestFiles(m: Manifest): FileEntry[] {
  return [
    ...m.files,
    ...m.roles.files,
    ...m.schemas.flatMap((s) => s.files),
    ...m.tables.flatMap((t) => t.files),
    ...(m.storage?.buckets.flatMap((b) => b.files) ?? []),
  ];
}

/** The manifest with every file entry passed through `fn` (totals count plaintext, so stay). */
export function mapManifestFiles(m: Manifest, fn: (f: FileEntry) => FileEntry): Manifest {
  return {
    ...m,
    files: m.files.map(fn),
    roles: { ...m.roles, files: m.roles.files.map(fn) },
    schemas: m.schemas.map((s) => ({ ...s, files: s.files.map(fn) })),
    tables: m.tables.map((t) => ({ ...t, files: t.files.map(fn) })),
    ...(m.storage
      ? {
          storage: {
            ...m.storage,
            buckets: m.storage.buckets.map((b) => ({ ...b, files: b.files.map(fn) })),
          },
        }
      : {}),
  };
}

/** Serialises a manifest the same way every time (2-space JSON, trailing newline). */
export function serializeManifest(m: Manifest): string {
  return `${JSON.stringify(manifestSchema.parse(m), null, 2)}\n`;
}

export function parseManifest(text: string): Manifest {
  return manifestSchema.parse(JSON.parse(text));
}

export type FileEntry = z.infer<typeof fileEntrySchema>;
export type Trigger = z.infer<typeof triggerSchema>;
export type TableEntry = z.infer<typeof tableEntrySchema>;
export type SchemaEntry = z.infer<typeof schemaEntrySchema>;
export type SequenceValue = z.infer<typeof sequenceValueSchema>;
export type Manifest = z.infer<typeof manifestSchema>;
export type StorageSection = z.infer<typeof storageSectionSchema>;
export type StorageBucketEntry = z.infer<typeof storageBucketSchema>;
