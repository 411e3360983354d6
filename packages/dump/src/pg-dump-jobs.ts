import type { ArtifactStore } from "@tablesnap/artifacts";
import { archivePartPath, type FileEntry } from "@tablesnap/core";
import { ArchiveHeaderFixer } from "./archive-header.ts";
import type { Target } from "./connect.ts";
import { DumpError } from "./errors.ts";
import { PartWriter } from "./parts.ts";
import { type PgTools, runTool } from "./pgtools.ts";
import { exactPattern } from "./quote.ts";
import { type ParsedDump, parseDump } from "./schema/parse.ts";
import type { SnapshotInfo } from "./snapshot.ts";

export interface ToolContext {
  readonly tools: PgTools;
  readonly target: Target;
  readonly snapshot: SnapshotInfo;
  readonly signal: AbortSignal;
  /** The user's schema filter, exactly as given. */
  readonly filter: { readonly include: readonly string[]; readonly exclude: readonly string[] };
}

/**
 * pg_dump locks every table it dumps (ACCESS SHARE). The run's snapshot transaction holds that
 * lock on every table already, so the only thing such a request can wait for is an exclusive
 * request (ALTER, DROP, TRUNCATE) queued behind the run itself: a wait that never ends. Give up
 * after 2 s and say why.
 */
const LOCK_WAIT = "--lock-wait-timeout=2000";

/** Turns pg_dump's lock timeout into the same clear error the table copies give. */
function explainLockWait(e: unknown): unknown {
  if (
    !(e instanceof DumpError) ||
    !/could not obtain lock|lock timeout|canceling statement due to statement timeout/i.test(
      e.message,
    )
  )
    return e;
  const table = /relation "([^"]+)"/.exec(e.message)?.[1];
  return new DumpError(
    `${table ? `table ${table}` : "a table"} is waiting to be altered or dropped by another session (it asked for an exclusive lock after this backup started); run the backup again when that is done`,
    { cause: e, retriable: true },
  );
}

/** `--exclude-table` for tables we may not even lock, `--exclude-table-data` for the others skipped. */
function exclusions(s: SnapshotInfo): string[] {
  return [
    ...s.unreadable.map((u) =>
      u.noPrivilege
        ? `--exclude-table=${exactPattern(u.table.schema, u.table.name)}`
        : `--exclude-table-data=${exactPattern(u.table.schema, u.table.name)}`,
    ),
    ...s.unreadableSequences.map(
      (u) => `--exclude-table-data=${exactPattern(u.sequence.schema, u.sequence.name)}`,
    ),
  ];
}

/**
 * Schema flags only when the user filtered: any `--schema` makes pg_dump treat `public` as asked
 * for and leave out extensions, so an unfiltered run must not pass one.
 */
function schemaArgs(f: ToolContext["filter"]): string[] {
  return [
    ...f.include.map((n) => `--schema=${exactPattern(n)}`),
    ...f.exclude.map((n) => `--exclude-schema=${exactPattern(n)}`),
  ];
}

/** The run's one schema-only pg_dump (verbose, so each entry names its catalog object). */
export async function dumpSchemaOnly(c: ToolContext): Promise<ParsedDump> {
  const chunks: Uint8Array[] = [];
  await runTool(
    c.tools.pgDump,
    [
      "--schema-only",
      "--verbose",
      LOCK_WAIT,
      `--snapshot=${c.snapshot.id}`,
      ...schemaArgs(c.filter),
      ...exclusions(c.snapshot),
      `--dbname=${c.target.safeUrl}`,
    ],
    {
      env: c.target.libpqEnv,
      signal: c.signal,
      onStdout: async (chunk) => {
        chunks.push(chunk);
      },
    },
  ).catch((e: unknown) => {
    throw explainLockWait(e);
  });
  return parseDump(Buffer.concat(chunks).toString("utf8"));
}

/** `<schema>/<schema>.dump`: pg_dump's custom format of one whole schema, inside the snapshot. */
export async function dumpSchemaArchive(
  c: ToolContext,
  schema: string,
  folder: string,
  store: ArtifactStore,
  maxBytes: number,
): Promise<FileEntry[]> {
  const writer = new PartWriter({
    store,
    partPath: archivePartPath(folder),
    maxBytes,
    splitAtNewline: false,
  });
  const header = new ArchiveHeaderFixer();
  try {
    await runTool(
      c.tools.pgDump,
      [
        "--format=custom",
        LOCK_WAIT,
        `--snapshot=${c.snapshot.id}`,
        `--schema=${exactPattern(schema)}`,
        ...exclusions(c.snapshot),
        `--dbname=${c.target.safeUrl}`,
      ],
      {
        env: c.target.libpqEnv,
        signal: c.signal,
        onStdout: async (chunk) => {
          for (const b of header.push(chunk)) await writer.write(b);
        },
      },
    ).catch((e: unknown) => {
      throw explainLockWait(e);
    });
    for (const b of header.flush()) await writer.write(b);
    return await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/**
 * `roles.sql` from `pg_dumpall --roles-only --no-role-passwords`. With `passwords` the hashes are
 * kept, except where `pg_authid` is not readable (managed services): then it falls back to none.
 * Roles are global, so there is no snapshot to attach to (pg_dumpall has no `--snapshot`).
 */
export async function dumpRoles(
  c: ToolContext,
  passwords: boolean,
): Promise<{ text: string; passwords: boolean }> {
  const attempt = async (extra: string[]) => {
    const chunks: Uint8Array[] = [];
    await runTool(c.tools.pgDumpAll, ["--roles-only", ...extra, `--dbname=${c.target.safeUrl}`], {
      env: c.target.libpqEnv,
      signal: c.signal,
      onStdout: async (chunk) => {
        chunks.push(chunk);
      },
    });
    return Buffer.concat(chunks)
      .toString("utf8")
      .split("\n")
      .filter((l) => !/^\\(un)?restrict /.test(l))
      .join("\n");
  };
  if (!passwords) return { text: await attempt(["--no-role-passwords"]), passwords: false };
  try {
    return { text: await attempt([]), passwords: true };
  } catch (e) {
    if (e instanceof DumpError && /pg_authid|permission denied/.test(e.message)) {
      return { text: await attempt(["--no-role-passwords"]), passwords: false };
    }
    throw e;
  }
}
