import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "@tablesnap/dump";
import { createScratchDatabase, loadHardCases, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backup, backupToFolder } from "../test/helpers.ts";
import { type Inventory, labelKey, objectKey, readInventory } from "./inventory.ts";
import { parseSchemaScript } from "./script.ts";

describe("the target inventory", () => {
  let db: ScratchDatabase;
  let backup: Backup;
  let inventory: Inventory;

  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_inv");
    await loadHardCases(db.url);
    backup = await backupToFolder(db.url);
    const { sql } = await connect(db.url, 1);
    inventory = await readInventory(sql).finally(() => sql.end());
  });
  afterAll(async () => {
    await backup?.remove();
    await db?.drop();
  });

  it("knows every object the backup of the same database names, as pg_dump names it", async () => {
    const toc = await readFile(join(backup.dir, "toc.tsv"), "utf8");
    const files = new Set(
      toc
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((l) => l.split("\t")[1] ?? ""),
    );
    const unknown: string[] = [];
    let entries = 0;
    for (const file of files) {
      const script = parseSchemaScript(file, await readFile(join(backup.dir, file), "utf8"));
      for (const e of [...script.sections["pre-data"], ...script.sections["post-data"]]) {
        entries++;
        // Default privileges are settings, not objects: the restore decides on their owner.
        if (e.type === "DEFAULT ACL") continue;
        const labeled = ["COMMENT", "ACL", "SECURITY LABEL"].includes(e.type);
        const key = labeled ? labelKey(e.schema, e.name) : objectKey(e.type, e.schema, e.name);
        if (!inventory.keys.has(key)) unknown.push(key);
      }
    }
    expect(entries).toBeGreaterThan(100);
    expect(unknown).toEqual([]);
  });
});
