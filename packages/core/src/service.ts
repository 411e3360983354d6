import { messageOf } from "./errors.ts";
import type { Logger } from "./logger.ts";

/**
 * How long a stop may take before the process exits anyway, as unclean: below the 300 s grace
 * the deployment gives (deploy/k8s), so a publish in progress can finish first.
 */
export const STOP_LIMIT_MS = 270_000;
/** After a clean stop, how long handles a library left open may keep the process before it exits. */
export const EXIT_GRACE_MS = 2_000;

/**
 * After a stop, the process ends within a bound whatever a library left open (an HTTP client's
 * keep-alive socket after a failed request kept `serve` alive for good): it exits with `code`
 * once nothing else keeps it, or after {@link EXIT_GRACE_MS}.
 */
export function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}

/**
 * Runs a service's `main`: `start` builds and starts everything and returns how to stop it.
 * SIGTERM or SIGINT stops it (work in progress finishes first, as each `stop` decides, within
 * {@link STOP_LIMIT_MS}); the process then exits within {@link EXIT_GRACE_MS}. A failed start
 * is logged and exits 1, even when an open client (NATS reconnecting) would keep the process
 * alive.
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
          const limit = setTimeout(() => {
            logger.error({ limitMs: STOP_LIMIT_MS }, "unclean stop: the stop took too long");
            process.exit(1);
          }, STOP_LIMIT_MS);
          limit.unref();
          stop().then(
            () => {
              clearTimeout(limit);
              logger.info({}, "stopped");
              exitSoon(0);
            },
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
