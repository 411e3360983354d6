import { describe, expect, it } from "vitest";
import { describeStateStore } from "../test/contract.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { newRunId } from "./ids.ts";
import { MemoryStateStore } from "./memory/memory-store.ts";

describeStateStore("memory", async () => new MemoryStateStore());

describe("run ids and cursors", () => {
  it("makes UUIDv7 ids that sort by creation time", () => {
    const a = newRunId(new Date("2026-01-01T00:00:00Z"));
    const b = newRunId(new Date("2026-01-01T00:00:00.001Z"));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    const ms = new Date("2026-01-01T00:00:00Z").getTime();
    expect(a.replace(/-/g, "").slice(0, 12)).toBe(ms.toString(16).padStart(12, "0"));
  });

  it("round-trips a cursor and refuses garbage", () => {
    const p = { createdAt: new Date("2026-01-01T00:00:00.123Z"), id: "r1" };
    expect(decodeCursor(encodeCursor(p))).toEqual(p);
    for (const bad of ["", "eA", Buffer.from("nope|x").toString("base64url")]) {
      expect(() => decodeCursor(bad)).toThrow(/invalid cursor/);
    }
  });
});
