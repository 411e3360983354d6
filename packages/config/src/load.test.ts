import { describe, expect, it } from "vitest";
import { githubAuthFromEnv } from "./env.ts";
import { ConfigError } from "./errors.ts";
import { loadConfig } from "./load.ts";

const MIN = {
  TABLESNAP_DATABASE_URL: "postgres://app:pw@db:5432/app",
  TABLESNAP_GITHUB_REPO: "acme/backups",
};
const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n";

/** The problems a ConfigError lists, as "path: message" lines. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig from the environment alone", () => {
  it("defines the target default with the documented defaults", () => {
    const c = loadConfig(MIN);
    expect(c).toMatchObject({
      source: "env",
      port: 8080,
      nats: { url: "nats://127.0.0.1:4222", prefix: "tablesnap" },
    });
    expect(c.stateUrl).toBeUndefined();
    expect(c.s3).toBeUndefined();
    expect(c.github).toEqual({ apiUrl: "https://api.github.com", webhookSecrets: [] });
    expect(c.targets).toEqual([
      {
        name: "default",
        databaseUrl: MIN.TABLESNAP_DATABASE_URL,
        repository: { kind: "github", owner: "acme", repo: "backups" },
        branches: { defaultBranch: true, names: ["dev"] },
        repositories: "all",
        schedules: [],
        retention: { keep: 30, keepDays: 30 },
        debounceSeconds: 30,
        freshnessLimitSeconds: 26 * 3600,
        timeLimitSeconds: 6 * 3600,
        rolePasswords: false,
        commitUnchanged: false,
      },
    ]);
  });

  it("reads every variable", () => {
    const c = loadConfig({
      ...MIN,
      TABLESNAP_STATE_URL: "postgres://state@db/state",
      NATS_URL: "nats://n1:4222,nats://n2:4222",
      TABLESNAP_NATS_PREFIX: "t_1",
      S3_ENDPOINT: "http://minio:9000",
      S3_ACCESS_KEY: "minio",
      S3_SECRET_KEY: "minio-secret",
      S3_BUCKET: "backups",
      GITHUB_API_URL: "http://127.0.0.1:3000/api/v3/",
      GITHUB_APP_ID: "12345",
      GITHUB_APP_PRIVATE_KEY: PEM.replaceAll("\n", "\\n"),
      GITHUB_APP_INSTALLATION_ID: "678",
      GITHUB_TOKEN: "ignored-when-an-app-is-set",
      GITHUB_WEBHOOK_SECRET: " new-secret , old-secret ,",
      SLACK_SIGNING_SECRET: "slack-sign",
      SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/X",
      TABLESNAP_API_TOKEN: "ops:tok-1,tok-2",
      TABLESNAP_VIEWER_TOKEN: "wall:tok-3,tok-4",
      TABLESNAP_DEBOUNCE: "0",
      TABLESNAP_SCHEDULE: "0 3 * * *",
      PORT: "0",
      UNRELATED: "x",
      EMPTY_IS_UNSET: "",
    });
    expect(c).toMatchObject({
      port: 0,
      stateUrl: "postgres://state@db/state",
      nats: { url: "nats://n1:4222,nats://n2:4222", prefix: "t_1" },
      s3: {
        endpoint: "http://minio:9000",
        accessKey: "minio",
        secretKey: "minio-secret",
        bucket: "backups",
        region: "us-east-1",
      },
      github: {
        apiUrl: "http://127.0.0.1:3000/api/v3",
        auth: { kind: "app", appId: "12345", privateKey: PEM, installationId: 678 },
        webhookSecrets: ["new-secret", "old-secret"],
      },
      slack: { signingSecret: "slack-sign", webhookUrl: "https://hooks.slack.com/services/T/B/X" },
      api: {
        tokens: [
          { name: "ops", token: "tok-1", role: "operator" },
          { name: "token-2", token: "tok-2", role: "operator" },
          { name: "wall", token: "tok-3", role: "viewer" },
          { name: "viewer-2", token: "tok-4", role: "viewer" },
        ],
      },
    });
    expect(c.targets[0]).toMatchObject({
      debounceSeconds: 0,
      schedules: [{ name: "schedule", cron: "0 3 * * *" }],
    });
  });

  it("reads TABLESNAP_ACK_WAIT as seconds, unset by default, and refuses 0", () => {
    expect(loadConfig(MIN).nats.ackWaitSeconds).toBeUndefined();
    expect(loadConfig({ ...MIN, TABLESNAP_ACK_WAIT: "3" }).nats.ackWaitSeconds).toBe(3);
    expect(loadConfig({ ...MIN, TABLESNAP_ACK_WAIT: "2m" }).nats.ackWaitSeconds).toBe(120);
    expect(problems(() => loadConfig({ ...MIN, TABLESNAP_ACK_WAIT: "0" }))).toEqual([
      "TABLESNAP_ACK_WAIT: expected a duration above 0",
    ]);
  });

  it("reads the dump worker's share, 2 and 2 by default, and refuses a worker doing nothing", () => {
    expect(loadConfig(MIN).worker).toEqual({ holders: 2, copies: 2, tableStallSeconds: 300 });
    const copyOnly = { ...MIN, TABLESNAP_WORKER_HOLDERS: "0", TABLESNAP_WORKER_COPIES: "4" };
    expect(loadConfig(copyOnly).worker).toMatchObject({ holders: 0, copies: 4 });
    expect(loadConfig({ ...MIN, TABLESNAP_TABLE_STALL: "45" }).worker.tableStallSeconds).toBe(45);
    expect(problems(() => loadConfig({ ...MIN, TABLESNAP_TABLE_STALL: "0" }))).toEqual([
      "TABLESNAP_TABLE_STALL: expected a duration above 0",
    ]);
    expect(
      problems(() =>
        loadConfig({ ...MIN, TABLESNAP_WORKER_HOLDERS: "0", TABLESNAP_WORKER_COPIES: "0" }),
      ),
    ).toEqual([
      "TABLESNAP_WORKER_COPIES: cannot be 0 while TABLESNAP_WORKER_HOLDERS is 0: the worker would do nothing",
    ]);
    expect(problems(() => loadConfig({ ...MIN, TABLESNAP_WORKER_COPIES: "-1" }))).toEqual([
      "TABLESNAP_WORKER_COPIES: expected a whole number",
    ]);
    expect(problems(() => loadConfig({ ...MIN, TABLESNAP_WORKER_HOLDERS: "65" }))).toEqual([
      "TABLESNAP_WORKER_HOLDERS: expected at most 64",
    ]);
  });

  it("takes a token, or the App key from a file", () => {
    expect(loadConfig({ ...MIN, GITHUB_TOKEN: "t" }).github.auth).toEqual({
      kind: "token",
      token: "t",
    });
    const files: Record<string, string> = { "/run/secrets/key.pem": PEM };
    const c = loadConfig(
      { ...MIN, GITHUB_APP_ID: "1", GITHUB_APP_PRIVATE_KEY_FILE: "/run/secrets/key.pem" },
      undefined,
      {
        readFile: (p) =>
          files[p] ??
          (() => {
            throw Object.assign(new Error("no"), { code: "ENOENT" });
          })(),
      },
    );
    expect(c.github.auth).toEqual({ kind: "app", appId: "1", privateKey: PEM });
  });

  it("lists every problem at once, by variable name", () => {
    expect(
      problems(() =>
        loadConfig({
          TABLESNAP_GITHUB_REPO: "not a repo",
          PORT: "http",
          TABLESNAP_DEBOUNCE: "soon",
          TABLESNAP_SCHEDULE: "0 3 * *",
          S3_ENDPOINT: "http://minio:9000",
          GITHUB_APP_ID: "1",
          GITHUB_APP_PRIVATE_KEY: "not a key",
          GITHUB_APP_INSTALLATION_ID: "x",
        }),
      ),
    ).toEqual([
      "TABLESNAP_GITHUB_REPO: expected owner/repo",
      "TABLESNAP_SCHEDULE: invalid cron expression: expected 5 fields (minute hour day month weekday), got 4",
      "TABLESNAP_DEBOUNCE: expected seconds or a duration like 90s, 15m, 26h, 7d",
      "GITHUB_APP_INSTALLATION_ID: expected a number",
      "PORT: expected a port number",
      "S3_BUCKET: required when any S3_ variable is set",
      "S3_ACCESS_KEY: required when any S3_ variable is set",
      "S3_SECRET_KEY: required when any S3_ variable is set",
      "GITHUB_APP_PRIVATE_KEY: not a PEM private key",
      "TABLESNAP_DATABASE_URL: required without TABLESNAP_CONFIG (the database to back up)",
    ]);
  });

  it("says in its message where each problem is", () => {
    expect(() => loadConfig({})).toThrow(
      /invalid configuration \(2 problems\):\n {2}TABLESNAP_DATABASE_URL: required.*\n {2}TABLESNAP_GITHUB_REPO: required/,
    );
  });
});

describe("githubAuthFromEnv: one precedence for the CLI and the services", () => {
  const noFile = (p: string): string => {
    throw Object.assign(new Error(`no ${p}`), { code: "ENOENT" });
  };
  it("prefers the GitHub App when its variables are set, else the token", () => {
    const both = { GITHUB_TOKEN: "ghp_x", GITHUB_APP_ID: "7", GITHUB_APP_PRIVATE_KEY: PEM };
    expect(githubAuthFromEnv(both, noFile)).toEqual({
      auth: { kind: "app", appId: "7", privateKey: PEM },
      issues: [],
    });
    expect(githubAuthFromEnv({ GITHUB_TOKEN: "ghp_x" }, noFile)).toEqual({
      auth: { kind: "token", token: "ghp_x" },
      issues: [],
    });
    expect(githubAuthFromEnv({}, noFile)).toEqual({ auth: undefined, issues: [] });
  });
  it("names what an incomplete App configuration lacks instead of falling back to the token", () => {
    const r = githubAuthFromEnv(
      { GITHUB_TOKEN: "ghp_x", GITHUB_APP_PRIVATE_KEY_FILE: "/nope.pem" },
      noFile,
    );
    expect(r.auth).toBeUndefined();
    expect(r.issues.map((i) => i.path)).toEqual(["GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY_FILE"]);
  });
});
