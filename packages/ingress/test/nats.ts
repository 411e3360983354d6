import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@tablesnap/test-harness";

export const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
const NATS_SERVER = process.env["NATS_SERVER_BIN"] ?? "/usr/sbin/nats-server";

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    sock.once("connect", () => resolve(sock.destroy() === sock));
    sock.once("error", () => resolve(false));
    sock.connect(port, "127.0.0.1");
  });
}

export async function until(check: () => Promise<boolean>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A nats-server with JetStream of our own, on a free port and a throw-away store. */
export async function ownNatsServer() {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "tsnap-http-nats-"));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(NATS_SERVER, ["-js", "-p", String(port), "-sd", dir], { stdio: "ignore" });
    await until(() => accepting(port), `nats-server on ${port}`);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    start,
    kill,
    async dispose() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Deletes streams through the JetStream API over the plain NATS protocol (this package has no
 * NATS client of its own): `$JS.API.STREAM.DELETE.<name>`, waiting for each reply.
 */
export function deleteStreams(url: string, names: readonly string[]): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let pending = names.length;
    let buffer = "";
    sock.setEncoding("utf8");
    sock.once("error", reject);
    sock.on("data", (chunk: string) => {
      buffer += chunk;
      if (buffer.includes("PING\r\n")) sock.write("PONG\r\n");
      const replies = buffer.match(/MSG _INBOX\.tsnap\.\d+/g)?.length ?? 0;
      if (replies >= pending) {
        pending = 0;
        sock.end("");
        resolve();
      }
    });
    sock.connect(Number(port), hostname, () => {
      sock.write('CONNECT {"verbose":false,"pedantic":false}\r\n');
      names.forEach((name, i) => {
        sock.write(`SUB _INBOX.tsnap.${i} ${i + 1}\r\n`);
        sock.write(`PUB $JS.API.STREAM.DELETE.${name} _INBOX.tsnap.${i} 0\r\n\r\n`);
      });
      if (pending === 0) resolve();
    });
  });
}
