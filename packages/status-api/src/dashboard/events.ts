import type { Config } from "@tablesnap/config";
import { messageOf } from "@tablesnap/core";
import type { Logger } from "@tablesnap/http";
import type { StateStore } from "@tablesnap/state";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { boardLines } from "./board.ts";
import { lineTexts } from "./overview.ts";

export interface BoardDeps {
  readonly config: Config;
  readonly state: StateStore;
  readonly now: () => Date;
  readonly logger: Logger;
}

/** How often the stream looks at the state store, and how long one connection lasts at most. */
export const EVENTS = { pollMs: 2_000, heartbeatMs: 15_000, lifetimeMs: 5 * 60_000 } as const;

/**
 * `GET /ui/events`: server-sent `board` events, each every target's live line, sent when it
 * changed. A connection ends after EVENTS.lifetimeMs (the browser's EventSource reconnects
 * after the `retry` it was given), so no stream is held open for ever; a state store error ends
 * it too, and the reconnect tries again.
 */
export function boardEvents(c: Context, d: BoardDeps) {
  const { config, state, now } = d;
  return streamSSE(
    c,
    async (stream) => {
      const ends = Date.now() + EVENTS.lifetimeMs;
      let sent = "";
      let quietSince = Date.now();
      let first = true;
      while (!stream.aborted && !stream.closed && Date.now() < ends) {
        const lines = await boardLines(config, state, now());
        const data = JSON.stringify(
          lines.map((l) => ({
            target: l.target,
            latest: l.latest,
            running: l.running,
            ...lineTexts(l),
          })),
        );
        if (data !== sent) {
          await stream.writeSSE({ event: "board", data, ...(first ? { retry: 2_000 } : {}) });
          sent = data;
          first = false;
          quietSince = Date.now();
        } else if (Date.now() - quietSince >= EVENTS.heartbeatMs) {
          await stream.write(": still here\n\n");
          quietSince = Date.now();
        }
        await stream.sleep(EVENTS.pollMs);
      }
    },
    async (error, stream) => {
      // The reason goes to the server's log only (the state store's error may name its host).
      d.logger.warn({ err: messageOf(error) }, "dashboard events stream ended");
      await stream.writeSSE({ event: "unavailable", data: "the state store did not answer" });
    },
  );
}
