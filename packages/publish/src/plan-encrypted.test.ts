import { type FileEntry, manifestFiles, mapManifestFiles } from "@tablesnap/core";
import { describe, expect, it } from "vitest";
import { manifestOf } from "../test/manifests.ts";
import { type BaseState, planBackup } from "./plan.ts";

const R1 = "age1avxmncuyr8zndxv50awa8c2udsw2hvzea0tsn78wk4263tj3tc7q6nzfvd";
const R2 = "age16dwyrffz3z9ydmnz2t23qg40m8u89dagljcu7aaa3wmwvhpjz3zqhyxme4";
const PATH = "public/tables/t/data.sql.age";
const hex = (c: string) => c.repeat(64);

const previous: FileEntry = {
  path: PATH,
  sha256: hex("a"),
  bytes: 300,
  plain: { sha256: hex("d"), bytes: 100 },
  recipients: [R1],
};
const base: BaseState = {
  latest: [],
  archives: [],
  reusable: new Map([[PATH, { blob: "b".repeat(40), entry: previous }]]),
};

/** A new backup whose one file is `entry` (a fresh ciphertext of some plaintext). */
function dumped(entry: Partial<FileEntry>) {
  const m = manifestOf("b2", "2026-11-22T10:00:00.000Z", { [PATH]: "x" });
  return mapManifestFiles(m, (f) => ({ ...f, sha256: hex("c"), bytes: 301, ...entry }));
}

function sourceOf(plan: ReturnType<typeof planBackup>) {
  const op = plan.ops.find((o) => o.op === "file" && o.path.endsWith(PATH));
  return op?.op === "file" ? op.source : undefined;
}

describe("planBackup with encrypted files", () => {
  const retention = { keep: 30, keepDays: 30 };
  const now = new Date("2026-11-22T10:00:00Z");

  it("reuses the previous ciphertext of an unchanged plaintext for the same recipients", () => {
    const plan = planBackup(
      base,
      dumped({ plain: { sha256: hex("d"), bytes: 100 }, recipients: [R1] }),
      retention,
      now,
    );
    expect(sourceOf(plan)).toEqual({ kind: "blob", sha: "b".repeat(40) });
    expect(plan.reused).toBe(1);
    expect(manifestFiles(plan.manifest).find((f) => f.path === PATH)).toEqual(previous);
  });

  it("sends the new ciphertext when the plaintext or the recipients changed", () => {
    for (const changed of [
      { plain: { sha256: hex("e"), bytes: 100 }, recipients: [R1] },
      { plain: { sha256: hex("d"), bytes: 100 }, recipients: [R1, R2].sort() },
    ]) {
      const plan = planBackup(base, dumped(changed), retention, now);
      expect(sourceOf(plan)).toEqual({ kind: "artifact", path: PATH, bytes: 301 });
      expect(plan.reused).toBe(0);
      const entry = manifestFiles(plan.manifest).find((f) => f.path === PATH);
      expect(entry?.sha256).toBe(hex("c"));
    }
  });
});
