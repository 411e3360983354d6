import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createEmulator } from "./emulator.ts";
import type { Emulator, EmulatorOptions } from "./types.ts";

/**
 * Starts the emulator on `hostname:port` (port 0: a free one) with repositories under
 * `dataDir`.
 *
 * @example
 * const gh = await startEmulator({ dataDir, tokens: [{ token: "t" }] });
 * const octokit = new Octokit({ baseUrl: gh.url, auth: "t" });
 * await gh.close();
 */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  await mkdir(options.dataDir, { recursive: true });
  const core = createEmulator(options);
  const server = createServer(getRequestListener(core.app.fetch));
  const hostname = options.hostname ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, hostname, () => resolve());
    });
  } catch (e) {
    core.close();
    throw e;
  }
  const { port } = server.address() as AddressInfo; // a TCP listener always has an AddressInfo
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    ...core.control,
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      await stop(server);
      core.close();
    },
  };
}

/** Stops accepting, then drops idle keep-alive sockets so close does not wait for them. */
function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
