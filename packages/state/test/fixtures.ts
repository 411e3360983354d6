import type { Manifest } from "@tablesnap/core";
import type { NewTrigger } from "../src/index.ts";

export const T0 = new Date("2026-03-01T10:00:00.000Z");
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let seq = 0;
/** A trigger with a fresh id unless one is given. */
export function trigger(target: string, over: Partial<NewTrigger> = {}): NewTrigger {
  seq += 1;
  return {
    id: `delivery-${seq}`,
    target,
    source: "acme-api",
    event: "push",
    ref: "abc1234",
    receivedAt: T0,
    ...over,
  };
}

export const LIMIT = { timeLimitSeconds: 3600 };
export const DEBOUNCE = { debounceSeconds: 30 };

export const ATTEMPT = { snapshotId: "00000003-1", backupId: "b-1" };

/** A manifest of an empty backup, told apart by its id. */
export function manifest(backupId: string): Manifest {
  const time = T0.toISOString();
  return {
    format: 1,
    backup_id: backupId,
    created_at: time,
    snapshot: { time, server_version: "15.20", database: "db" },
    triggers: [{ source: "acme/api", event: "push", ref: "abc1234" }],
    files: [],
    schemas: [],
    tables: [],
    roles: { passwords: true, files: [] },
    totals: { schemas: 0, tables: 0, rows: 0, bytes: 0, files: 0 },
    tool: { name: "tablesnap", version: "0.1.0" },
    duration_ms: 1,
    status: "complete",
    skipped: [],
    options: { include_schemas: [], exclude_schemas: [], custom_dump: false },
  };
}
