import { describe, expect, it, vi } from "vitest";
import { makeOutput } from "./output.ts";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe("CLI output", () => {
  it("redraws progress on one line on a terminal and clears it when done", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { stream, writes } = fakeStream(true);
    const out = makeOutput(stream, false);
    out.progress("tables 1/3");
    vi.advanceTimersByTime(200);
    out.progress("tables 2/3");
    out.progressDone();
    expect(writes).toEqual(["\r\x1b[2Ktables 1/3", "\r\x1b[2Ktables 2/3", "\r\x1b[2K"]);
    vi.useRealTimers();
  });

  it("writes a plain progress line every 10 s when stderr is not a terminal", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { stream, writes } = fakeStream(false);
    const out = makeOutput(stream, false);
    out.progress("tables 1/9");
    vi.advanceTimersByTime(5_000);
    out.progress("tables 2/9");
    vi.advanceTimersByTime(5_001);
    out.progress("tables 5/9");
    out.progressDone();
    expect(writes).toEqual(["tables 5/9\n"]);
    vi.useRealTimers();
  });

  it("says nothing but errors with --quiet", () => {
    const { stream, writes } = fakeStream(true);
    const out = makeOutput(stream, true);
    out.info("backing up");
    out.progress("tables 1/1");
    expect(writes).toEqual([]);
  });
});
