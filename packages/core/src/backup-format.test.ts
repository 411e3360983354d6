import { describe, expect, it } from "vitest";
import { TABLES_PER_FOLDER, tableFolder } from "./backup-format.ts";

describe("tableFolder", () => {
  it("puts a table in its schema's tables folder", () => {
    expect(tableFolder("public", "My Table")).toBe("public/tables/%4dy%20%54able");
  });

  it("shards a schema's tables over 256 folders named by a hash of the table's name", () => {
    expect(tableFolder("public", "t_0001", true)).toMatch(/^public\/tables\/[0-9a-f]{2}\/t_0001$/);
    expect(tableFolder("public", "t_0001", true)).toBe(tableFolder("public", "t_0001", true));
    const perShard = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const shard = tableFolder("public", `t_${i}`, true).split("/")[2] ?? "";
      perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    }
    expect(perShard.size).toBe(256);
    expect(Math.max(...perShard.values())).toBeLessThan(TABLES_PER_FOLDER / 20);
  });
});
