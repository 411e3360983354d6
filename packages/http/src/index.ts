export type { NewAppOptions } from "./app.ts";
export { errorBody, newApp, REQUEST_ID_HEADER, RETRY_AFTER_SECONDS } from "./app.ts";
export { requireBearer, safeEqual } from "./auth.ts";
export { MAX_BODY_BYTES } from "./body.ts";
export type { CombinedOptions } from "./combined.ts";
export { combinedApp } from "./combined.ts";
export { HttpError } from "./errors.ts";
export type { IngressOptions } from "./ingress/app.ts";
export { addIngressRoutes, ingressApp } from "./ingress/app.ts";
export type { Classification } from "./ingress/classify.ts";
export { classifyGitHubEvent } from "./ingress/classify.ts";
export type {
  GitHubRequester,
  HookDelivery,
  RedeliverOptions,
  RedeliverResult,
} from "./ingress/redeliver.ts";
export { redeliverFailed, scheduleRedelivery } from "./ingress/redeliver.ts";
export {
  SLACK_MAX_AGE_SECONDS,
  slackSignature,
  verifySlackRequest,
} from "./ingress/slack-verify.ts";
export { jsonLogger, silentLogger } from "./logger.ts";
export type { Served } from "./serve.ts";
export { httpReachable, serveApp } from "./serve.ts";
export type { StatusOptions } from "./status/app.ts";
export { addStatusRoutes, statusApp } from "./status/app.ts";
export { openApiDocument } from "./status/openapi.ts";
export type { AppEnv, Clock, Logger } from "./types.ts";
