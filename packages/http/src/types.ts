/** pino-compatible: `logger.info({ ...context }, "message")`. Context never carries secrets. */
export type { Logger } from "@tablesnap/core";

/** Hono variables every tablesnap app sets. */
export interface AppEnv {
  Variables: {
    requestId: string;
  };
}

/** A clock: tests drive time through it. */
export type Clock = () => Date;
