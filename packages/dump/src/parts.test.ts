import { MemoryArtifactStore } from "@tablesnap/artifacts";
import { describe, expect, it } from "vitest";
import { numberedPath, PartWriter } from "./parts.ts";

const enc = new TextEncoder();

async function text(store: MemoryArtifactStore, path: string): Promise<string> {
  let s = "";
  for await (const c of store.read(path)) s += Buffer.from(c).toString();
  return s;
}

async function split(input: string[], maxBytes: number, splitAtNewline = true) {
  const store = new MemoryArtifactStore();
  const w = new PartWriter({
    store,
    partPath: numberedPath("t/data", ".sql"),
    maxBytes,
    header: enc.encode("H\n"),
    footer: enc.encode("F\n"),
    splitAtNewline,
  });
  for (const chunk of input) await w.write(enc.encode(chunk));
  const files = await w.close(enc.encode("T\n"));
  return { store, files, texts: await Promise.all(files.map((f) => text(store, f.path))) };
}

describe("PartWriter", () => {
  it("writes one part with header, footer and trailer when everything fits", async () => {
    const { files, texts } = await split(["a\nb\n"], 100);
    expect(files.map((f) => f.path)).toEqual(["t/data.sql"]);
    expect(texts).toEqual(["H\na\nb\nF\nT\n"]);
  });

  it("writes header and footer for an empty input", async () => {
    const { texts } = await split([], 100);
    expect(texts).toEqual(["H\nF\nT\n"]);
  });

  it("splits only at row boundaries, each part within the limit", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `row-${i}\n`);
    const { files, texts } = await split(rows, 40);
    expect(files.length).toBeGreaterThan(3);
    expect(files[1]?.path).toBe("t/data.part-002.sql");
    for (const [i, t] of texts.entries()) {
      expect(t.startsWith("H\n")).toBe(true);
      expect(t.endsWith(i === texts.length - 1 ? "F\nT\n" : "F\n")).toBe(true);
      if (i < texts.length - 1) expect(Buffer.byteLength(t)).toBeLessThanOrEqual(40);
    }
    const body = texts.map((t) => t.replace(/^H\n/, "").replace(/F\n(T\n)?$/, "")).join("");
    expect(body).toBe(rows.join(""));
  });

  it("splits the same way whatever the chunking", async () => {
    const all = Array.from({ length: 200 }, (_, i) => `${"x".repeat(i % 13)}|${i}\n`).join("");
    const whole = await split([all], 64);
    const bytes = await split(all.split(""), 64);
    const odd = await split(all.match(/[\s\S]{1,7}/g) ?? [], 64);
    expect(bytes.files).toEqual(whole.files);
    expect(odd.files).toEqual(whole.files);
  });

  it("gives a row larger than a part a part of its own, never cutting it", async () => {
    const big = `${"y".repeat(100)}\n`;
    const { texts } = await split(["a\n", big.slice(0, 30), big.slice(30), "b\n"], 40);
    expect(texts).toContain(`H\n${big}F\n`);
    expect(texts.join("")).toContain("a\n");
    expect(texts.at(-1)).toBe("H\nb\nF\nT\n");
  });

  it("cuts anywhere in binary mode", async () => {
    const { texts } = await split(["abcdefghij".repeat(3)], 10, false);
    // room per part: 10 bytes less header and footer (2 + 2)
    expect(texts.slice(0, 2)).toEqual(["H\nabcdefF\n", "H\nghijabF\n"]);
  });
});
