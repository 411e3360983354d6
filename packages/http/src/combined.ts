import type { Hono } from "hono";
import { newApp } from "./app.ts";
import { addIngressRoutes, type IngressOptions } from "./ingress/app.ts";
import { addStatusRoutes, type StatusOptions } from "./status/app.ts";
import type { AppEnv } from "./types.ts";

export type CombinedOptions = IngressOptions & StatusOptions;

/** Ingress and status API on one app and port, for `tablesnap serve`. */
export function combinedApp(options: CombinedOptions): Hono<AppEnv> {
  const app = newApp(options.logger ? { logger: options.logger } : {});
  addIngressRoutes(app, options);
  return addStatusRoutes(app, options);
}
