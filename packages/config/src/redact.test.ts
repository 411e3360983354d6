import { describe, expect, it } from "vitest";
import { loadConfig } from "./load.ts";
import { redact } from "./redact.ts";
import { requireSettings } from "./require.ts";
import { branchTriggers, feedsTarget, findTarget, targetsFor } from "./rules.ts";

const PEM = "-----BEGIN PRIVATE KEY-----\nS3CRETPEMBODY\n-----END PRIVATE KEY-----";
const SECRETS = {
  TABLESNAP_DATABASE_URL:
    "postgres://app:S3cretDbPw@db:5432/app?password=S3cretQueryPw&sslmode=require",
  TABLESNAP_STATE_URL: "postgres://state:S3cretStatePw@db/state",
  NATS_URL: "nats://S3cretNatsToken@nats:4222,nats://user:S3cretNatsPw@nats2:4222",
  S3_ACCESS_KEY: "S3cretAccessKey",
  S3_SECRET_KEY: "S3cretSecretKey",
  GITHUB_APP_PRIVATE_KEY: PEM,
  GITHUB_WEBHOOK_SECRET: "S3cretHook1,S3cretHook2",
  SLACK_SIGNING_SECRET: "S3cretSlackSign",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/S3cretSlackHook",
  TABLESNAP_API_TOKEN: "ops:S3cretApi1,S3cretApi2",
};
const ENV = {
  ...SECRETS,
  TABLESNAP_GITHUB_REPO: "acme/backups",
  S3_ENDPOINT: "http://minio:9000",
  S3_BUCKET: "backups",
  GITHUB_APP_ID: "42",
};

describe("redact", () => {
  it("shows no secret value, from the environment or the file", () => {
    const logged = JSON.stringify(redact(loadConfig(ENV)));
    for (const [name, value] of Object.entries(SECRETS)) {
      for (const part of value.split(/[,\n]/)) {
        expect(logged, name).not.toContain(part.replace(/^ops:/, ""));
      }
    }
    expect(logged).not.toMatch(/S3cret/);
    const file = `targets:\n  a:\n    database_url_env: A_DB\n    repository: { git: "https://github.com/a/b.git" }\n`;
    const fromFile = JSON.stringify(
      redact(loadConfig({ ...ENV, A_DB: "postgres://u:S3cretA@h/a" }, file)),
    );
    expect(fromFile).not.toMatch(/S3cret/);
  });

  it("keeps what helps an operator: hosts, names, counts", () => {
    const r = redact(loadConfig(ENV)) as Record<string, unknown>;
    expect(r).toMatchObject({
      stateUrl: "postgres://***@db/state",
      nats: { url: "nats://***@nats:4222,nats://***@nats2:4222" },
      s3: { endpoint: "http://minio:9000", bucket: "backups" },
      github: { auth: { kind: "app", appId: "42" }, webhookSecrets: ["[redacted]", "[redacted]"] },
      api: {
        tokens: [
          { name: "ops", role: "operator" },
          { name: "token-2", role: "operator" },
        ],
      },
      targets: [
        { name: "default", databaseUrl: "postgres://***@db:5432/app?password=***&sslmode=require" },
      ],
    });
  });
});

describe("requireSettings", () => {
  it("names the variables a service lacks", () => {
    const c = loadConfig({
      TABLESNAP_DATABASE_URL: "postgres://h/d",
      TABLESNAP_GITHUB_REPO: "a/b",
    });
    expect(() => requireSettings(c, "state", "s3", "github", "webhooks", "slack", "api")).toThrow(
      /6 problems[\s\S]*TABLESNAP_STATE_URL: required by this service[\s\S]*TABLESNAP_API_TOKEN/,
    );
    expect(() =>
      requireSettings(loadConfig(ENV), "state", "s3", "github", "webhooks", "slack", "api"),
    ).not.toThrow();
  });
});

describe("branch and repository rules", () => {
  const config = loadConfig(
    { A: "postgres://h/a", B: "postgres://h/b" },
    `targets:
  app: { database_url_env: A, repository: x/app, repositories: [Acme/API, "acme/web-*"] }
  all: { database_url_env: B, repository: x/all, branches: [main, "release/*", "hotfix/**"] }
`,
  );
  const app = findTarget(config, "app");
  const all = findTarget(config, "all");

  it("feeds a target from the repositories it names, in any case", () => {
    expect(app && feedsTarget(app, "acme/api")).toBe(true);
    expect(app && feedsTarget(app, "acme/web-shop")).toBe(true);
    expect(app && feedsTarget(app, "acme/web/x")).toBe(false);
    expect(app && feedsTarget(app, "acme/other")).toBe(false);
    expect(all && feedsTarget(all, "anyone/anything")).toBe(true);
    expect(findTarget(config, "toString")).toBeUndefined();
  });

  it("triggers on the default branch and dev unless the target names branches", () => {
    expect(app && branchTriggers(app, "trunk", "trunk")).toBe(true);
    expect(app && branchTriggers(app, "dev", "main")).toBe(true);
    expect(app && branchTriggers(app, "feature/x", "main")).toBe(false);
    expect(all && branchTriggers(all, "trunk", "trunk")).toBe(false);
    expect(all && branchTriggers(all, "release/1.2", "main")).toBe(true);
    expect(all && branchTriggers(all, "release/1/2", "main")).toBe(false);
    expect(all && branchTriggers(all, "hotfix/a/b", "main")).toBe(true);
    expect(targetsFor(config, "acme/api", "main", "main").map((t) => t.name)).toEqual([
      "app",
      "all",
    ]);
    expect(targetsFor(config, "acme/other", "dev", "main").map((t) => t.name)).toEqual([]);
  });
});
