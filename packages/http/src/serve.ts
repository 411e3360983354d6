import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import type { AppEnv } from "./types.ts";

export interface Served {
  readonly port: number;
  /** Stops accepting connections and resolves once open ones are done. */
  close(): Promise<void>;
}

/** Serves a Hono app with @hono/node-server; port 0 picks a free one. */
export function serveApp(app: Hono<AppEnv>, port: number, hostname = "0.0.0.0"): Promise<Served> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            if ("closeIdleConnections" in server) server.closeIdleConnections();
          }),
      });
    });
    server.once("error", reject);
  });
}

/**
 * A readiness probe for an HTTP service such as an S3 endpoint: any HTTP answer within the
 * timeout (even 403) means reachable.
 */
export function httpReachable(url: string, timeoutMs = 2_000): { ping(): Promise<void> } {
  return {
    async ping() {
      const res = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
    },
  };
}
