import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { deleteStreams } from "./nats.ts";
import { until } from "./until.ts";

const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";

/** Sends raw protocol lines and returns what the server answered within `ms`. */
async function raw(lines: string, ms = 500): Promise<string> {
  const url = new URL(NATS_URL);
  const s = new Socket();
  await new Promise<void>((r, j) =>
    s.once("error", j).connect(Number(url.port || 4222), url.hostname, r),
  );
  let out = "";
  s.on("data", (c: Buffer) => {
    out += c.toString();
  });
  s.write(`CONNECT {"verbose":false}\r\n${lines}`);
  await new Promise((r) => setTimeout(r, ms));
  s.destroy();
  return out;
}

const create = (name: string) => {
  const body = JSON.stringify({ name, subjects: [`${name}.>`], storage: "memory" });
  return `SUB _INBOX.c 1\r\nPUB $JS.API.STREAM.CREATE.${name} _INBOX.c ${Buffer.byteLength(body)}\r\n${body}\r\n`;
};

describe("deleteStreams and until", () => {
  it("deletes the streams of one prefix only, and says which", async () => {
    const mine = `tk${Date.now().toString(36)}`;
    const other = `${mine}x`;
    await raw(create(`${mine}_A`) + create(`${mine}_B`) + create(`${other}_C`));
    try {
      expect((await deleteStreams(NATS_URL, mine)).sort()).toEqual([`${mine}_A`, `${mine}_B`]);
      const info = await raw(
        `SUB _INBOX.i 1\r\nPUB $JS.API.STREAM.INFO.${other}_C _INBOX.i 0\r\n\r\n`,
      );
      expect(info).toContain(`"name":"${other}_C"`);
      expect(await deleteStreams(NATS_URL, mine)).toEqual([]);
    } finally {
      await deleteStreams(NATS_URL, other);
    }
  });

  it("until returns the first value that is neither undefined nor false, and names what timed out", async () => {
    let n = 0;
    expect(await until("three looks", () => (++n >= 3 ? n : undefined), { intervalMs: 1 })).toBe(3);
    await expect(
      until("never", () => false, { timeoutMs: 30, intervalMs: 5, context: () => "the logs" }),
    ).rejects.toThrow(/timed out after 30 ms waiting for never\nthe logs/);
  });
});
