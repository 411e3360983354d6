import { Hono } from "hono";
import type { EmulatorState, Env } from "./context.ts";
import { authMiddleware } from "./middleware/auth.ts";
import { countMiddleware } from "./middleware/counts.ts";
import { edgeHeaders, errorResponse, notFoundResponse } from "./middleware/edge.ts";
import { faultMiddleware } from "./middleware/faults.ts";
import { rateLimitMiddleware } from "./middleware/rate-limit.ts";
import { appRoutes } from "./routes/app.ts";
import { blobRoutes } from "./routes/blobs.ts";
import { commitRoutes } from "./routes/commits.ts";
import { contentRoutes } from "./routes/contents.ts";
import { controlRoutes } from "./routes/control.ts";
import { refRoutes } from "./routes/refs.ts";
import { repoRoutes } from "./routes/repos.ts";
import { treeRoutes } from "./routes/trees.ts";
import type { EmulatorControl } from "./types.ts";

/**
 * The emulator's Hono app. Order matters: the control routes are registered before the API
 * middleware, so they answer first and are never counted, faulted or authenticated.
 */
export function newApp(state: EmulatorState, control: EmulatorControl): Hono<Env> {
  const app = new Hono<Env>();
  app.use("*", edgeHeaders);
  app.route("/_emulator", controlRoutes(control));
  app.use("*", countMiddleware(state.counter));
  app.use("*", faultMiddleware(state.faults));
  app.use("*", rateLimitMiddleware(state.rateLimiter));
  app.use("*", authMiddleware(state));
  app.route("/", repoRoutes(state));
  app.route("/", refRoutes(state));
  app.route("/", commitRoutes(state));
  app.route("/", treeRoutes(state));
  app.route("/", blobRoutes(state));
  app.route("/", contentRoutes(state));
  app.route("/", appRoutes(state));
  app.notFound(notFoundResponse);
  app.onError(errorResponse);
  return app;
}
