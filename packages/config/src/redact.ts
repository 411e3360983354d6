import { maskUrl } from "./secrets.ts";
import type { BackupRepository, Config } from "./types.ts";

const HIDDEN = "[redacted]";
const hide = (v: string | undefined) => (v === undefined ? undefined : HIDDEN);

function repository(r: BackupRepository): BackupRepository {
  return r.kind === "git" ? { ...r, remote: maskUrl(r.remote) } : r;
}

/**
 * The configuration fit for logs: every secret replaced, URLs without their credentials, the
 * rest as it is. Built field by field, so a new secret field stays hidden until shown here.
 */
export function redact(config: Config): unknown {
  const { github, slack, s3 } = config;
  const auth = github.auth;
  return {
    source: config.source,
    port: config.port,
    stateUrl: config.stateUrl === undefined ? undefined : maskUrl(config.stateUrl),
    nats: {
      url: config.nats.url.split(",").map(maskUrl).join(","),
      prefix: config.nats.prefix,
      ackWaitSeconds: config.nats.ackWaitSeconds,
    },
    s3:
      s3 === undefined
        ? undefined
        : {
            endpoint: maskUrl(s3.endpoint),
            bucket: s3.bucket,
            region: s3.region,
            accessKey: HIDDEN,
            secretKey: HIDDEN,
          },
    github: {
      apiUrl: maskUrl(github.apiUrl),
      auth:
        auth === undefined
          ? undefined
          : auth.kind === "token"
            ? { kind: "token", token: HIDDEN }
            : {
                kind: "app",
                appId: auth.appId,
                installationId: auth.installationId,
                privateKey: HIDDEN,
              },
      webhookSecrets: github.webhookSecrets.map(() => HIDDEN),
    },
    slack: { signingSecret: hide(slack.signingSecret), webhookUrl: hide(slack.webhookUrl) },
    api: { tokens: config.api.tokens.map((t) => ({ name: t.name, token: HIDDEN, role: t.role })) },
    worker: config.worker,
    ageIdentity: { ...config.ageIdentity, ...(config.ageIdentity.text ? { text: HIDDEN } : {}) },
    targets: config.targets.map((t) => ({
      ...t,
      databaseUrl: maskUrl(t.databaseUrl),
      repository: repository(t.repository),
      ...(t.drill?.scratchUrl
        ? { drill: { ...t.drill, scratchUrl: maskUrl(t.drill.scratchUrl) } }
        : {}),
      ...(t.storage
        ? {
            storage: {
              ...t.storage,
              endpoint: maskUrl(t.storage.endpoint),
              keys: t.storage.keys ? HIDDEN : undefined,
            },
          }
        : {}),
    })),
  };
}
