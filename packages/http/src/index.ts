export type { NewAppOptions } from "./app.ts";
export { errorBody, newApp, REQUEST_ID_HEADER, RETRY_AFTER_SECONDS } from "./app.ts";
export { requireBearer, requireOperator, requireToken, safeEqual } from "./auth.ts";
export {
  MAX_BODY_BYTES,
  mediaType,
  parseJson,
  readRawBody,
  requireMediaType,
  utf8,
} from "./body.ts";
export { badRequest, forbidden, HttpError, notFound, unauthorized } from "./errors.ts";
export { jsonLogger, silentLogger } from "./logger.ts";
export type { App } from "./openapi.ts";
export {
  BEARER,
  createRoute,
  documentedPath,
  ErrorSchema,
  errorResponses,
  HEALTHZ_ROUTE,
  jsonResponse,
  serveOpenApiDocument,
  z,
} from "./openapi.ts";
export type { Check } from "./probe.ts";
export { probe } from "./probe.ts";
export type { Served } from "./serve.ts";
export { httpReachable, serveApp } from "./serve.ts";
export { SESSION_COOKIE, SESSION_SECONDS, sessionToken, sessionValue } from "./session.ts";
export type { AppEnv, Clock, Logger } from "./types.ts";
