import { type App, newApp } from "@tablesnap/http";
import { addIngressRoutes, type IngressOptions } from "@tablesnap/ingress";
import { addStatusRoutes, type StatusOptions } from "./app.ts";

export type CombinedOptions = IngressOptions & StatusOptions;

/** Ingress and status API on one app and port, for `tablesnap serve`. */
export function combinedApp(options: CombinedOptions): App {
  const app = newApp(options.logger ? { logger: options.logger } : {});
  addIngressRoutes(app, options);
  return addStatusRoutes(app, options);
}
