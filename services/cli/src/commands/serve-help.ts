/** Kept apart from serve.ts, which loads every service package: `--help` and backups do not. */
export const SERVE_HELP = `Usage: tablesnap serve

Runs the ingress, the coordinator, a dump worker, the publisher and the status API in one
process, with one HTTP port (PORT, default 8080) for the ingress and the status API.
Stops cleanly on SIGTERM or SIGINT.

Configuration comes from the environment (or a TABLESNAP_CONFIG file):
  TABLESNAP_DATABASE_URL, TABLESNAP_GITHUB_REPO   the target "default"
  TABLESNAP_STATE_URL                            PostgreSQL for tablesnap's own state (required)
  NATS_URL, TABLESNAP_NATS_PREFIX                NATS JetStream
  S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET   the artifact bucket (required)
  GITHUB_API_URL, GITHUB_TOKEN (or GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY)
  GITHUB_WEBHOOK_SECRET, SLACK_SIGNING_SECRET, SLACK_WEBHOOK_URL, TABLESNAP_API_TOKEN,
  TABLESNAP_VIEWER_TOKEN (read-only dashboard and status API tokens)
  TABLESNAP_DEBOUNCE (seconds, default 30), TABLESNAP_SCHEDULE (cron), PORT`;
