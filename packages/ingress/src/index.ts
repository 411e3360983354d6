export type { IngressOptions } from "./app.ts";
export { addIngressRoutes, ingressApp } from "./app.ts";
export type { Classification } from "./classify.ts";
export { classifyGitHubEvent } from "./classify.ts";
export type {
  GitHubRequester,
  HookDelivery,
  RedeliverOptions,
  RedeliverResult,
} from "./redeliver.ts";
export { redeliverFailed, scheduleRedelivery } from "./redeliver.ts";
export { SLACK_MAX_AGE_SECONDS, slackSignature, verifySlackRequest } from "./slack-verify.ts";
