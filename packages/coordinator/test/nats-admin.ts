import { Socket } from "node:net";
import { MESSAGE_KINDS, streamName } from "@tablesnap/bus";

/**
 * Deletes a test prefix's streams with two lines of the NATS wire protocol per stream (this
 * package has no NATS client of its own: the bus hides it, on purpose).
 */
export async function deleteStreams(natsUrl: string, prefix: string): Promise<void> {
  const url = new URL(natsUrl);
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.connect(Number(url.port || 4222), url.hostname, resolve);
  });
  try {
    const pong = new Promise<void>((resolve, reject) => {
      let seen = "";
      socket.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("PONG")) resolve();
        if (seen.includes("-ERR")) reject(new Error(`NATS refused: ${seen}`));
      });
    });
    let out = 'CONNECT {"verbose":false,"pedantic":false}\r\n';
    for (const kind of MESSAGE_KINDS) {
      out += `PUB $JS.API.STREAM.DELETE.${streamName(prefix, kind)} 0\r\n\r\n`;
    }
    socket.write(`${out}PING\r\n`);
    await pong;
  } finally {
    socket.destroy();
  }
}
