import { toFolderName } from "@tablesnap/core";
import { z } from "zod";

const isoTime = z.iso.datetime({ offset: true });
const text = z.string().min(1);
const DAY_MS = 86_400_000;

/** Something asked for a backup: a GitHub delivery, a Slack command, a cron slot, an API call. */
export const triggerSchema = z.object({
  /** GitHub delivery id, Slack trigger id, cron slot (`<schedule>@<ISO minute>`) or API request id. */
  id: text,
  target: text,
  /** `owner/repo` for GitHub events. */
  // "schedule" is what cron triggers were called before 0.3; messages may still carry it.
  source: z.union([
    z.enum(["slack", "cron", "schedule", "api"]),
    z.string().regex(/^[^/\s]+\/[^/\s]+$/),
  ]),
  event: z.enum(["push", "pr", "schedule", "manual"]),
  ref: text,
  at: isoTime,
  actor: z.string().optional(),
  note: z.string().optional(),
  response_url: z.url().optional(),
  repository: z.string().optional(),
});

/** A claimed run to dump: one dump worker opens its snapshot and fans it out as table jobs. */
export const dumpSchema = z.object({ run_id: text, target: text });

/** A table as the run's snapshot saw it: what a dump worker needs to copy it. */
const tableInfoSchema = z.object({
  oid: z.number().int(),
  schema: z.string(),
  name: z.string(),
  kind: z.enum(["table", "partitioned", "partition"]),
  qname: z.string(),
  columns: z.array(z.string()),
  primaryKey: z.array(z.string()),
  bytesEstimate: z.number(),
  unreadable: z.boolean(),
});

/**
 * One table of a run to dump, on the work queue shared by every dump worker. `task` is the whole
 * plan of the copy (the engine's `TableTask`), so a worker needs nothing from the bucket.
 */
export const jobSchema = z.object({
  run_id: text,
  target: text,
  table: z.object({ schema: z.string(), name: z.string() }),
  snapshot_id: z.string().optional(),
  attempt: z.number().int().positive().optional(),
  task: z
    .object({
      table: tableInfoSchema,
      folder: z.string(),
      trailer: z.string(),
      maxBytes: z.number().int().positive(),
      recipients: z.array(z.string()).min(1).optional(),
    })
    .optional(),
});

/** Event kinds the services emit today; the schema accepts any dotted lower-case name. */
export const EVENT_KINDS = [
  "run.started",
  "table.done",
  "table.failed",
  "run.dumped",
  "run.published",
  "run.failed",
  "drill.passed",
  "drill.failed",
  "prune.done",
  "prune.failed",
] as const;

/** Progress of a run, for whoever watches (coordinator, status, Slack). */
export const eventSchema = z.object({
  run_id: text,
  target: text,
  kind: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, "dotted lower-case name"),
  at: isoTime,
  data: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Scheduled work on a target's backup repository, fired by the coordinator for one cron slot
 * (`id`, so replicas give it once): a restore `drill` of the latest backup, or `prune`, the
 * history rotation.
 */
export const maintenanceSchema = z.object({
  id: text,
  target: text,
  at: isoTime,
  task: z.enum(["drill", "prune"]),
});

/** A run whose tables are all dumped: ready for the publisher. */
export const runSchema = z.object({ run_id: text, target: text });

/** Where one kind of message lives and how it is checked. */
export interface CatalogEntry<S extends z.ZodType> {
  /** Stream name after `${prefix}_`. */
  readonly stream: string;
  /** Subject token after `${prefix}.`; the stream takes `${prefix}.${token}.>`. */
  readonly token: string;
  /** `workqueue`: a message is gone once one consumer acknowledged it. */
  readonly retention: "limits" | "workqueue";
  readonly maxAgeMs: number;
  readonly schema: S;
  /** The subject's last tokens for one payload. */
  readonly subject: (payload: z.output<S>) => string;
  /** The JetStream message id used for de-duplication unless the publisher names one. */
  readonly msgId?: (payload: z.output<S>) => string;
}

function entry<S extends z.ZodType>(e: CatalogEntry<S>): CatalogEntry<S> {
  return e;
}

/** The one map from message kind to stream, subject and schema. Payloads only gain optional fields. */
export const catalog = {
  trigger: entry({
    stream: "TRIGGERS",
    token: "triggers",
    retention: "limits",
    maxAgeMs: 7 * DAY_MS,
    schema: triggerSchema,
    subject: () => "new",
    msgId: (t) => t.id,
  }),
  dump: entry({
    stream: "DUMPS",
    token: "dumps",
    retention: "workqueue",
    maxAgeMs: 7 * DAY_MS,
    schema: dumpSchema,
    subject: () => "start",
    msgId: (d) => d.run_id,
  }),
  job: entry({
    stream: "JOBS",
    token: "jobs",
    retention: "workqueue",
    maxAgeMs: 7 * DAY_MS,
    schema: jobSchema,
    subject: () => "table",
    // The job of a new attempt (its own snapshot) must not be swallowed by the dedupe window,
    // even when two attempts of a run overlap with the same delivery count. Names as folder
    // names: "public.v1"."2" and public."v1.2" would both be `public.v1.2`, and one job lost.
    msgId: (j) =>
      `${j.run_id}:${toFolderName(j.table.schema)}.${toFolderName(j.table.name)}` +
      (j.snapshot_id ? `@${j.snapshot_id}` : "") +
      ((j.attempt ?? 1) > 1 ? `:${j.attempt}` : ""),
  }),
  event: entry({
    stream: "EVENTS",
    token: "events",
    retention: "limits",
    maxAgeMs: 7 * DAY_MS,
    schema: eventSchema,
    subject: (e) => e.kind,
  }),
  run: entry({
    stream: "RUNS",
    token: "runs",
    retention: "workqueue",
    maxAgeMs: 7 * DAY_MS,
    schema: runSchema,
    subject: () => "ready",
    msgId: (r) => r.run_id,
  }),
  maintenance: entry({
    stream: "MAINTENANCE",
    token: "maintenance",
    retention: "workqueue",
    maxAgeMs: DAY_MS,
    schema: maintenanceSchema,
    subject: (m) => m.task,
    msgId: (m) => m.id,
  }),
} as const;

export type Catalog = typeof catalog;
export type MessageKind = keyof Catalog;
/** A payload as a handler receives it. */
export type Message<K extends MessageKind> = z.output<Catalog[K]["schema"]>;
/** A payload as `publish` accepts it. */
export type MessageInput<K extends MessageKind> = z.input<Catalog[K]["schema"]>;

export const MESSAGE_KINDS = Object.keys(catalog) as MessageKind[];

/** Checks a payload against its kind's schema; the issues name the failing fields. */
export function checkMessage<K extends MessageKind>(
  kind: K,
  value: unknown,
): { ok: true; value: Message<K> } | { ok: false; issues: string[] } {
  const parsed = catalog[kind].schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data as Message<K> };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
  };
}

/** Refuses prefixes that would not make valid stream names and subject tokens. */
export function checkPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new RangeError(`bus prefix must be 1-64 of [A-Za-z0-9_-], got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

export function streamName(prefix: string, kind: MessageKind): string {
  return `${prefix}_${catalog[kind].stream}`;
}

/** Every subject of one kind: what its stream holds and its consumers filter on. */
export function filterSubject(prefix: string, kind: MessageKind): string {
  return `${prefix}.${catalog[kind].token}.>`;
}

export function subjectOf<K extends MessageKind>(prefix: string, kind: K, msg: Message<K>): string {
  const subject = catalog[kind].subject as (m: Message<K>) => string;
  return `${prefix}.${catalog[kind].token}.${subject(msg)}`;
}

/** The message id: the publisher's, else the catalog's; control characters escaped for headers. */
export function msgIdOf<K extends MessageKind>(
  kind: K,
  msg: Message<K>,
  explicit?: string,
): string | undefined {
  const derive = catalog[kind].msgId as ((m: Message<K>) => string) | undefined;
  const id = explicit ?? derive?.(msg);
  if (id === undefined) return undefined;
  let out = "";
  for (const ch of id) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, "0")}` : ch;
  }
  return out;
}
