import { createHash } from "node:crypto";
import { MemoryArtifactStore } from "@tablesnap/artifacts";
import { type Manifest, serializeManifest } from "@tablesnap/core";
import { describe, expect, it } from "vitest";
import { verifyBackup } from "./verify.ts";

const files: Record<string, string> = {
  "database.sql": "-- db\n",
  "roles.sql": "CREATE ROLE x;\n",
  "public/schema.sql": "-- schema\n",
  "public/tables/t/schema.sql": "CREATE TABLE t ();\n",
  "public/tables/t/data.sql": "COPY t FROM stdin;\n1\n\\.\n",
};

function entry(path: string) {
  const text = files[path] ?? "";
  return {
    path,
    bytes: Buffer.byteLength(text),
    sha256: createHash("sha256").update(text).digest("hex"),
  };
}

function manifest(): Manifest {
  return {
    format: 1,
    backup_id: "b-1",
    created_at: "2026-11-22T10:00:00.000Z",
    snapshot: { time: "2026-11-22T10:00:00.000Z", server_version: "15", database: "d" },
    triggers: [{ source: "local", event: "manual", ref: "me" }],
    files: [entry("database.sql")],
    schemas: [{ name: "public", path: "public", files: [entry("public/schema.sql")] }],
    tables: [
      {
        schema: "public",
        name: "t",
        kind: "table",
        path: "public/tables/t",
        rows: 1,
        bytes: 0,
        files: [entry("public/tables/t/schema.sql"), entry("public/tables/t/data.sql")],
        sequences: [],
      },
    ],
    roles: { passwords: true, files: [entry("roles.sql")] },
    totals: { schemas: 1, tables: 1, rows: 1, bytes: 0, files: 5 },
    tool: { name: "tablesnap", version: "0.1.0" },
    duration_ms: 1,
    status: "complete",
    skipped: [],
    options: { include_schemas: [], exclude_schemas: [], custom_dump: false },
  };
}

async function backup(
  changes: Record<string, string | null> = {},
  m: Manifest | string = manifest(),
) {
  const store = new MemoryArtifactStore();
  const all: Record<string, string | null> = {
    ...files,
    "manifest.json": typeof m === "string" ? m : serializeManifest(m),
    ...changes,
  };
  for (const [path, text] of Object.entries(all)) {
    if (text === null) continue;
    const w = await store.openWriter(path);
    await w.write(new TextEncoder().encode(text));
    await w.close();
  }
  return store;
}

describe("verifyBackup", () => {
  it("passes a backup whose files all match", async () => {
    const r = await verifyBackup(await backup());
    expect(r).toMatchObject({ ok: true, backupId: "b-1", files: 5, problems: [] });
  });

  it("reports a changed byte, a truncated file, a missing and an unexpected file, one line each", async () => {
    const r = await verifyBackup(
      await backup({
        "public/tables/t/data.sql": "COPY t FROM stdin;\n2\n\\.\n",
        "roles.sql": "CREATE",
        "public/schema.sql": null,
        "public/tables/t/extra.sql": "x",
      }),
    );
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.kind, p.path])).toEqual([
      ["size", "roles.sql"],
      ["missing", "public/schema.sql"],
      ["checksum", "public/tables/t/data.sql"],
      ["unexpected", "public/tables/t/extra.sql"],
    ]);
    expect(r.problems[0]?.message).toBe("roles.sql: 6 bytes, manifest says 15");
  });

  it("refuses a missing or unreadable manifest", async () => {
    const none = await verifyBackup(await backup({ "manifest.json": null }));
    expect(none.problems).toEqual([
      { kind: "manifest", path: "manifest.json", message: "manifest.json: not found" },
    ]);
    const broken = await verifyBackup(await backup({}, "{ not json"));
    expect(broken.ok).toBe(false);
    expect(broken.problems[0]?.kind).toBe("manifest");
    const wrongFormat = await verifyBackup(
      await backup({}, JSON.stringify({ ...manifest(), format: 9 })),
    );
    expect(wrongFormat.problems[0]?.kind).toBe("manifest");
  });

  it("reports a table that lost its data file from the manifest", async () => {
    const m = manifest();
    const t = m.tables[0];
    if (!t) throw new Error("fixture has a table");
    t.files = t.files.filter((f) => !f.path.endsWith("data.sql"));
    const r = await verifyBackup(await backup({ "public/tables/t/data.sql": null }, m));
    expect(r.problems.map((p) => p.message)).toEqual([
      "public/tables/t: table public.t has no data.sql",
    ]);
  });
});
