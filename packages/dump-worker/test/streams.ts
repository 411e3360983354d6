import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

interface Jsm {
  streams: {
    list(): AsyncIterable<{ config: { name: string } }>;
    delete(name: string): Promise<boolean>;
  };
}
interface Nc {
  close(): Promise<void>;
}

/**
 * Deletes a test's streams. The NATS client is the bus package's dependency, not ours, so it is
 * loaded from there (test clean-up only).
 */
export async function deleteStreams(servers: string, prefix: string): Promise<void> {
  const from = createRequire(new URL("../../bus/package.json", import.meta.url));
  const load = (name: string) => import(pathToFileURL(from.resolve(name)).href);
  const transport = (await load("@nats-io/transport-node")) as {
    connect(o: { servers: string }): Promise<Nc>;
  };
  const js = (await load("@nats-io/jetstream")) as { jetstreamManager(nc: Nc): Promise<Jsm> };
  const nc = await transport.connect({ servers });
  try {
    const jsm = await js.jetstreamManager(nc);
    for await (const s of jsm.streams.list()) {
      if (s.config.name.startsWith(`${prefix}_`)) await jsm.streams.delete(s.config.name);
    }
  } finally {
    await nc.close();
  }
}
