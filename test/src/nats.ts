import { Socket } from "node:net";

/**
 * Deletes every JetStream stream whose name starts with `<prefix>_` (a test's own streams), with
 * the NATS wire protocol alone: `$JS.API.STREAM.NAMES` to list them, `$JS.API.STREAM.DELETE.*`
 * for each. The one stream clean-up of the tests; it needs no NATS client.
 */
export async function deleteStreams(natsUrl: string, prefix: string): Promise<string[]> {
  const url = new URL(natsUrl);
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.connect(Number(url.port || 4222), url.hostname, resolve);
  });
  socket.setTimeout(10_000, () =>
    socket.destroy(new Error(`NATS at ${natsUrl}: no answer in 10 s`)),
  );
  let buffer = "";
  const waiters: { test: (b: string) => string | null; resolve: (v: string) => void }[] = [];
  const failed = new Promise<never>((_, reject) => {
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`NATS at ${natsUrl} closed the connection`)));
  });
  failed.catch(() => {});
  socket.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    if (buffer.includes("-ERR")) socket.destroy(new Error(`NATS refused: ${buffer}`));
    for (const w of [...waiters]) {
      const hit = w.test(buffer);
      if (hit !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  });
  const expect = (test: (b: string) => string | null) =>
    Promise.race([new Promise<string>((resolve) => waiters.push({ test, resolve })), failed]);
  try {
    const inbox = `_INBOX.tsnap_${Math.random().toString(36).slice(2)}`;
    const ask = JSON.stringify({ offset: 0 });
    socket.write(
      'CONNECT {"verbose":false,"pedantic":false}\r\n' +
        `SUB ${inbox} 1\r\nPUB $JS.API.STREAM.NAMES ${inbox} ${Buffer.byteLength(ask)}\r\n${ask}\r\n`,
    );
    const reply = await expect((b) => {
      const m = /MSG \S+ 1 (\d+)\r\n/.exec(b);
      if (!m) return null;
      const start = (m.index ?? 0) + m[0].length;
      const body = Buffer.from(b.slice(start), "utf8");
      const size = Number(m[1]);
      return body.length >= size ? body.subarray(0, size).toString("utf8") : null;
    });
    const names = ((JSON.parse(reply) as { streams?: string[] | null }).streams ?? []).filter((n) =>
      n.startsWith(`${prefix}_`),
    );
    // Each delete is a request: wait for every answer, so the streams are gone on return.
    buffer = "";
    socket.write(names.map((n) => `PUB $JS.API.STREAM.DELETE.${n} ${inbox} 0\r\n\r\n`).join(""));
    const answered = (b: string) => (b.match(/MSG \S+ 1 \d+\r\n/g) ?? []).length;
    if (names.length > 0) await expect((b) => (answered(b) >= names.length ? "done" : null));
    return names;
  } finally {
    socket.destroy();
  }
}
