import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ArtifactStore } from "../src/index.ts";

const enc = new TextEncoder();

async function readAll(store: ArtifactStore, path: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const c of store.read(path)) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

/** The behaviour every ArtifactStore adapter shares; run against each real and in-memory one. */
export function describeArtifactStore(name: string, make: () => Promise<ArtifactStore>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    it("writes in chunks and returns size and sha256 of the whole", async () => {
      const store = await make();
      const w = await store.openWriter("public/tables/t/data.sql");
      await w.write(enc.encode("hello "));
      await w.write(enc.encode("world\n"));
      const entry = await w.close();
      expect(entry).toEqual({
        path: "public/tables/t/data.sql",
        bytes: 12,
        sha256: createHash("sha256").update("hello world\n").digest("hex"),
      });
      expect(await readAll(store, "public/tables/t/data.sql")).toBe("hello world\n");
    });

    it("shows nothing of an unfinished or aborted file", async () => {
      const store = await make();
      const w = await store.openWriter("a/b.sql");
      await w.write(enc.encode("partial"));
      expect(await store.list()).toEqual([]);
      await w.abort();
      expect(await store.list()).toEqual([]);
    });

    it("aborts cleanly while a write is still in flight", async () => {
      const store = await make();
      const w = await store.openWriter("big.sql");
      // Whether the in-flight write then succeeds or fails, it settles, and nothing is left.
      const inFlight = w.write(new Uint8Array(8 << 20)).catch(() => undefined);
      await w.abort();
      await inFlight;
      // Give a stray stream error the chance to surface as an unhandled event.
      await new Promise((r) => setTimeout(r, 50));
      expect(await store.list()).toEqual([]);
    });

    it("lists sorted paths under a prefix and removes a prefix", async () => {
      const store = await make();
      for (const p of ["x/2.sql", "x/1.sql", "xy/3.sql", "z.sql"]) {
        const w = await store.openWriter(p);
        await w.write(enc.encode(p));
        await w.close();
      }
      expect(await store.list()).toEqual(["x/1.sql", "x/2.sql", "xy/3.sql", "z.sql"]);
      expect(await store.list("x")).toEqual(["x/1.sql", "x/2.sql"]);
      await store.remove("x");
      expect(await store.list()).toEqual(["xy/3.sql", "z.sql"]);
    });

    it("removes exactly the files named, by name, and ignores absent ones", async () => {
      const store = await make();
      for (const p of ["%53ales%20%44ata/a%2fb.sql", "x/1.sql", "x/2.sql"]) {
        const w = await store.openWriter(p);
        await w.write(enc.encode(p));
        await w.close();
      }
      await store.removeFiles(["%53ales%20%44ata/a%2fb.sql", "x/1.sql", "x/never.sql"]);
      expect(await store.list()).toEqual(["x/2.sql"]);
    });

    it("refuses paths that could escape the store", async () => {
      const store = await make();
      for (const bad of ["../etc/passwd", "/abs", "a//b", "a/./b", ""]) {
        await expect(store.openWriter(bad)).rejects.toThrow(/invalid artifact path/);
      }
    });

    it("reports a missing artifact by name", async () => {
      const store = await make();
      await expect(readAll(store, "missing.sql")).rejects.toThrow(
        /artifact not found: missing.sql/,
      );
    });
  });
}
