import { createHash } from "node:crypto";
import { MemoryArtifactStore } from "@tablesnap/artifacts";
import type { Manifest } from "@tablesnap/core";

export type Files = Record<string, string | Uint8Array>;

/** A manifest of a backup holding exactly `files` (top-level files, no schemas or tables). */
export function manifestOf(id: string, time: string, files: Files, ref = "abc"): Manifest {
  const entries = Object.entries(files).map(([path, data]) => ({
    path,
    bytes: Buffer.byteLength(data),
    sha256: createHash("sha256").update(data).digest("hex"),
  }));
  return {
    format: 1,
    backup_id: id,
    created_at: time,
    snapshot: { time, server_version: "15.20", database: "db" },
    triggers: [{ source: "acme/api", event: "push", ref }],
    files: entries,
    schemas: [],
    tables: [],
    roles: { passwords: true, files: [] },
    totals: { schemas: 0, tables: 0, rows: 0, bytes: 0, files: entries.length },
    tool: { name: "tablesnap", version: "0.1.0" },
    duration_ms: 1,
    status: "complete",
    skipped: [],
    options: { include_schemas: [], exclude_schemas: [], custom_dump: false },
  };
}

export async function storeOf(files: Files): Promise<MemoryArtifactStore> {
  const store = new MemoryArtifactStore();
  for (const [path, data] of Object.entries(files)) {
    const w = await store.openWriter(path);
    await w.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
    await w.close();
  }
  return store;
}
