import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, until } from "@tablesnap/testing";

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

/** A nats-server with JetStream of our own, on a free port and a throw-away store. */
export async function ownNatsServer() {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "tsnap-http-nats-"));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(NATS_SERVER, ["-js", "-p", String(port), "-sd", dir], { stdio: "ignore" });
    await until(`nats-server on ${port}`, () => accepting(port));
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
