/**
 * Empty-bodied NATS requests (JetStream's `$JS.API.*`) over the plain protocol, so benches need
 * no NATS client of their own (bench/ has no node_modules); resolves with the replies in order.
 */
import { Socket } from "node:net";

export function natsRequests(natsUrl: string, subjects: readonly string[]): Promise<string[]> {
  const { hostname, port } = new URL(natsUrl.split(",")[0] ?? natsUrl);
  return new Promise((resolve, reject) => {
    if (subjects.length === 0) {
      resolve([]);
      return;
    }
    const sock = new Socket();
    const replies: string[] = new Array(subjects.length);
    let got = 0;
    let buffer = "";
    sock.setEncoding("utf8");
    sock.once("error", reject);
    sock.setTimeout(10_000, () => sock.destroy(new Error("NATS request timed out")));
    sock.on("data", (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (buffer.startsWith("PING\r\n")) {
          sock.write("PONG\r\n");
          buffer = buffer.slice(6);
          continue;
        }
        const eol = buffer.indexOf("\r\n");
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        const m = /^MSG _INBOX\.bench\.(\d+) \d+ (\d+)$/.exec(line);
        if (!m) {
          buffer = buffer.slice(eol + 2);
          continue;
        }
        const size = Number(m[2]);
        if (buffer.length < eol + 2 + size + 2) return;
        replies[Number(m[1])] = buffer.slice(eol + 2, eol + 2 + size);
        buffer = buffer.slice(eol + 2 + size + 2);
        if (++got === subjects.length) {
          sock.end();
          resolve(replies);
        }
      }
    });
    sock.connect(Number(port || 4222), hostname, () => {
      sock.write('CONNECT {"verbose":false,"pedantic":false}\r\n');
      subjects.forEach((subject, i) => {
        sock.write(`SUB _INBOX.bench.${i} ${i + 1}\r\n`);
        sock.write(`PUB ${subject} _INBOX.bench.${i} 0\r\n\r\n`);
      });
    });
  });
}

/** Names of the streams whose name starts with `prefix` (JetStream STREAM.NAMES, first page). */
export async function streamNames(natsUrl: string, prefix: string): Promise<string[]> {
  const [reply] = await natsRequests(natsUrl, ["$JS.API.STREAM.NAMES"]);
  const names = (JSON.parse(reply ?? "{}") as { streams?: string[] | null }).streams ?? [];
  return names.filter((n) => n.startsWith(prefix));
}
