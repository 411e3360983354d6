import { describe, expect, it } from "vitest";
import { keyRanges, RANGE_BYTES, rangeCondition } from "./key-ranges.ts";

const conditions = (lo: bigint, hi: bigint, bytes: number) =>
  keyRanges('"id"', lo, hi, bytes).map(rangeCondition);

describe("keyRanges", () => {
  it("cuts the key span into power-of-two ranges, open at both ends", () => {
    // 4 ranges wanted for 1..3,400,000: width 2^20, aligned on 0.
    expect(conditions(1n, 3_400_000n, 4 * RANGE_BYTES)).toEqual([
      ' WHERE "id" < 1048576',
      ' WHERE "id" >= 1048576 AND "id" < 2097152',
      ' WHERE "id" >= 2097152 AND "id" < 3145728',
      ' WHERE "id" >= 3145728',
    ]);
  });

  it("keeps every range but the last when rows are added past the last key", () => {
    const before = conditions(1n, 3_400_000n, 4 * RANGE_BYTES);
    const after = conditions(1n, 3_500_000n, 4 * RANGE_BYTES);
    expect(after).toEqual(before);
  });

  it("aligns negative keys downwards", () => {
    expect(conditions(-5n, 10n, 2 * RANGE_BYTES)).toEqual([
      ' WHERE "id" < 0',
      ' WHERE "id" >= 0 AND "id" < 8',
      ' WHERE "id" >= 8',
    ]);
  });

  it("gives one open range when the keys are too few to cut", () => {
    expect(conditions(7n, 7n, 10 * RANGE_BYTES)).toEqual([""]);
  });

  it("handles the whole bigint span without overflow", () => {
    const r = keyRanges('"id"', -(2n ** 63n), 2n ** 63n - 1n, 4 * RANGE_BYTES);
    expect(r.map((x) => [x.from, x.to])).toEqual([
      [null, -(2n ** 62n)],
      [-(2n ** 62n), 0n],
      [0n, 2n ** 62n],
      [2n ** 62n, null],
    ]);
  });
});
