import { messageOf } from "./errors.ts";
import type { Logger } from "./logger.ts";

/**
 * Runs a service's `main`: `start` builds and starts everything and returns how to stop it.
 * SIGTERM or SIGINT stops it (work in progress finishes first, as each `stop` decides); a failed
 * start is logged and exits 1, even when an open client (NATS reconnecting) would keep the
 * process alive.
 */
export function runService(
  name: string,
  logger: Logger,
  start: () => Promise<() => Promise<void>>,
): void {
  start().then(
    (stop) => {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.once(signal, () => {
          logger.info({ signal }, "stopping");
          stop().then(
            () => logger.info({}, "stopped"),
            (error: unknown) => {
              logger.error({ error: messageOf(error) }, "unclean stop");
              process.exit(1);
            },
          );
        });
      }
    },
    (error: unknown) => {
      logger.error({ error: messageOf(error) }, `${name} failed to start`);
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 100).unref();
    },
  );
}
