import { createHmac } from "node:crypto";
import { safeEqual, unauthorized } from "@tablesnap/http";

/** Slack refuses replays older than this; so do we. */
export const SLACK_MAX_AGE_SECONDS = 5 * 60;

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`, as Slack signs requests. */
export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** Throws 401 unless the request is signed with `secret` and at most 5 minutes old. */
export function verifySlackRequest(
  secret: string | undefined,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  now: Date,
): void {
  if (secret === undefined) {
    throw unauthorized("Slack commands are not configured here; set SLACK_SIGNING_SECRET");
  }
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) {
    throw unauthorized("missing X-Slack-Request-Timestamp or X-Slack-Signature");
  }
  const seconds = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || !Number.isSafeInteger(seconds)) {
    throw unauthorized("X-Slack-Request-Timestamp is not a Unix time");
  }
  const age = now.getTime() / 1000 - seconds;
  if (age < -SLACK_MAX_AGE_SECONDS) {
    throw unauthorized(
      `X-Slack-Request-Timestamp is ${Math.round(-age)} s in the future; check this server's clock`,
      "future",
    );
  }
  if (age > SLACK_MAX_AGE_SECONDS) {
    throw unauthorized("request older than 5 minutes; Slack retries with a fresh one", "stale");
  }
  if (!safeEqual(slackSignature(secret, timestamp, body), signature)) {
    throw unauthorized("X-Slack-Signature does not match; check SLACK_SIGNING_SECRET");
  }
}
