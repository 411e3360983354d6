import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.ts";
import { loadConfig } from "./load.ts";
import { redact } from "./redact.ts";

const ENV = { APP_DB: "postgres://app:pw@db/app", TABLESNAP_DEBOUNCE: "45" };

const YAML = `
version: 1
targets:
  app:
    database_url_env: APP_DB
    repository: acme/app-backups
    branches: ["@default", dev, "release/*"]
    repositories: [acme/api, "acme/web-*"]
    schedules:
      - "0 3 * * *"
      - { name: hourly, cron: "@hourly" }
    retention: { keep: 10, keep_days: 0 }
    freshness_limit: 2d
    time_limit: 90m
    role_passwords: true
    commit_unchanged: true
  reports:
    database_url: postgres://reader@replica:5432/reports?sslmode=require
    repository: { git: "git@example.com:acme/reports-backups.git", branch: backups }
    debounce: 0
  local:
    database_url: postgres://localhost/dev
    repository: { path: /srv/backups }
    branches: [main]
`;

function problems(env: Record<string, string>, text: string): string[] {
  try {
    loadConfig(env, text);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig with a file", () => {
  it("reads several targets, with defaults where they say nothing", () => {
    const c = loadConfig(ENV, YAML);
    expect(c.source).toBe("file");
    const [app, reports, local] = c.targets;
    expect(app).toEqual({
      name: "app",
      databaseUrl: ENV.APP_DB,
      repository: { kind: "github", owner: "acme", repo: "app-backups" },
      branches: { defaultBranch: true, names: ["dev", "release/*"] },
      repositories: ["acme/api", "acme/web-*"],
      schedules: [
        { name: "schedule", cron: "0 3 * * *" },
        { name: "hourly", cron: "@hourly" },
      ],
      retention: { keep: 10, keepDays: 0 },
      debounceSeconds: 45,
      freshnessLimitSeconds: 2 * 86_400,
      timeLimitSeconds: 90 * 60,
      rolePasswords: true,
      commitUnchanged: true,
    });
    expect(reports).toMatchObject({
      repository: {
        kind: "git",
        remote: "git@example.com:acme/reports-backups.git",
        branch: "backups",
      },
      branches: { defaultBranch: true, names: ["dev"] },
      repositories: "all",
      debounceSeconds: 0,
    });
    expect(local).toMatchObject({
      repository: { kind: "local", path: "/srv/backups" },
      branches: { defaultBranch: false, names: ["main"] },
    });
  });

  it("reads JSON, from the file TABLESNAP_CONFIG names", () => {
    const json = JSON.stringify({
      targets: { x: { database_url: "postgres://h/x", repository: "a/b" } },
    });
    const c = loadConfig({ TABLESNAP_CONFIG: "/etc/tablesnap.json" }, undefined, {
      readFile: (p) => (p === "/etc/tablesnap.json" ? json : ""),
    });
    expect(c.targets.map((t) => t.name)).toEqual(["x"]);
    expect(problems({ TABLESNAP_CONFIG: "/nope.yaml" }, undefined as unknown as string)).toEqual([
      expect.stringMatching(/^TABLESNAP_CONFIG: cannot read \/nope.yaml \(ENOENT\)$/),
    ]);
  });

  it("lists every problem with its path in the file", () => {
    const text = `
targets:
  app:
    repository: { github: acme }
    schedules: ["61 * * * *", { name: a, cron: "@daily" }, { name: a, cron: "@daily" }]
    retention: { keep: -1 }
    debounce: soon
    colour: blue
  "bad name":
    database_url_env: MISSING_VAR
    repository: a/b
`;
    expect(problems({}, text)).toEqual([
      "targets.app.repository.github: expected owner/repo",
      'targets.app.schedules[0]: invalid cron expression: minute: "61" is not in 0-59',
      "targets.app.retention.keep: Too small: expected number to be >=0",
      "targets.app.debounce: expected seconds or a duration like 90s, 15m, 26h, 7d",
      "targets.app.colour: unknown setting",
      "targets.bad name: target names: letters, digits, - and _ (up to 63)",
    ]);
    expect(
      problems({}, "targets:\n  app:\n    repository: a/b\n    database_url_env: APP_DB\n"),
    ).toEqual(["targets.app.database_url_env: environment variable APP_DB is not set"]);
    expect(
      problems(
        {},
        "targets:\n  app:\n    repository: a/b\n    schedules: [{ name: a, cron: '@daily' }, { name: a, cron: '@daily' }]\n",
      ),
    ).toEqual([
      "targets.app.database_url: required (or database_url_env: the environment variable holding it)",
      'targets.app.schedules[1].name: "a" is used twice',
    ]);
    expect(problems({}, "targets:\n  app:\n    repository: [1]\n    schedules: [7]\n")).toEqual([
      "targets.app.repository: expected owner/repo, or one of { github: owner/repo }, { git: <remote URL> }, { path: <folder> } with an optional branch",
      'targets.app.schedules[0]: expected a cron expression or { name, cron }, like "0 3 * * *"',
    ]);
    expect(problems({}, "targets: {}\n")).toEqual(["targets: name at least one target"]);
    expect(problems({}, "{}")).toEqual(["targets: required"]);
  });

  it("refuses secrets written into the file, without repeating them", () => {
    const text = `
targets:
  app:
    database_url: postgres://app:hunter2-db@db/app
    repository: { git: "https://x-access-token:hunter2-git@github.com/a/b.git" }
    token: hunter2-token
    github_password: hunter2-pw
    note: ghp_abcdefghijklmnopqrstuvwxyz0123456789
`;
    let error: unknown;
    try {
      loadConfig({}, text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, issues } = error as ConfigError;
    expect(message).not.toMatch(/hunter2|ghp_/);
    expect(issues.map((i) => i.path)).toEqual([
      "targets.app.token",
      "targets.app.github_password",
      "targets.app.note",
      "targets.app.database_url",
      "targets.app.repository.git",
    ]);
    expect(message).toMatch(/targets.app.token: secrets may not be written in the config file/);
    expect(message).toMatch(/database_url: holds a password: .* database_url_env/);
  });

  it("says where a YAML file fails to parse, not what the line holds", () => {
    const [problem] = problems(
      { TABLESNAP_CONFIG: "/etc/t.yaml" },
      "targets:\n  app: [\n  secret: x",
    );
    expect(problem).toMatch(
      /^TABLESNAP_CONFIG: cannot parse \/etc\/t.yaml at line \d+, column \d+ \(\w+\)$/,
    );
    expect(problems({}, '{"targets": ')).toHaveLength(1);
  });

  it("reads a target's encryption: recipients checked and sorted, table globs checked", async () => {
    const { generateX25519Identity, identityToRecipient } = await import("age-encryption");
    const [a, b] = await Promise.all(
      [1, 2].map(async () => identityToRecipient(await generateX25519Identity())),
    );
    const secret = await generateX25519Identity();
    const yaml = (enc: string) =>
      `targets:\n  app:\n    database_url: postgres://h/app\n    repository: acme/b\n    encryption: ${enc}\n`;
    const c = loadConfig({}, yaml(`{ recipients: [${b}, ${a}], tables: ["public.*"] }`));
    expect(c.targets[0]?.encryption).toEqual({
      recipients: [a, b].sort(),
      tables: ["public.*"],
      schema: false,
    });
    expect(loadConfig({}, yaml(`{ recipients: [${a}] }`)).targets[0]?.encryption?.tables).toEqual(
      [],
    );
    expect(problems({}, yaml(`{ recipients: [age1nope] }`))).toEqual([
      'targets.app.encryption: recipients: "age1nope" is not an age X25519 recipient (a public key age1…, 62 characters)',
    ]);
    expect(problems({}, yaml(`{ recipients: [${a}], tables: [users] }`))[0]).toContain(
      'targets.app.encryption: tables "users": give schema.table',
    );
    const leaked = problems({}, yaml(`{ recipients: [${secret}] }`)).join("\n");
    expect(leaked).toContain("secret key");
    expect(leaked).not.toContain(secret);
  });

  it("reads a target's drill (cron, scratch server from the named variable, template) and history rotation", () => {
    const yaml = (drill: string) =>
      `targets:\n  app:\n    database_url: postgres://h/app\n    repository: acme/b\n    drill: ${drill}\n`;
    const env = { SCRATCH: "postgres://drill:pw@scratch:5432/postgres" };
    const c = loadConfig(
      env,
      yaml("{ cron: '0 4 * * 0', scratch_url_env: SCRATCH, scratch_template: supa }"),
    );
    expect(c.targets[0]?.drill).toEqual({
      cron: "0 4 * * 0",
      scratchUrlEnv: "SCRATCH",
      scratchUrl: env.SCRATCH,
      scratchTemplate: "supa",
    });
    expect(JSON.stringify(redact(c))).not.toContain(":pw@");
    const pruned = loadConfig(
      {},
      "targets:\n  app:\n    database_url: postgres://h/app\n    repository: acme/b\n    retention: { keep: 5, prune_history: '0 5 * * 0' }\n",
    );
    expect(
      problems(
        {},
        "targets:\n  app:\n    database_url: postgres://h/app\n    repository: { git: 'ssh://h/r.git' }\n    retention: { prune_history: '@daily' }\n",
      ),
    ).toEqual([
      "targets.app.retention.prune_history: history rotation works on a repository on disk or on GitHub, not on a git remote (prune a clone and push it)",
    ]);
    expect(pruned.targets[0]?.retention).toEqual({
      keep: 5,
      keepDays: 30,
      pruneHistory: "0 5 * * 0",
    });
    // Services that do not drill start without the scratch server's URL (a secret).
    expect(
      loadConfig({}, yaml("{ cron: '0 4 * * 0', scratch_url_env: SCRATCH }")).targets[0]?.drill,
    ).toEqual({ cron: "0 4 * * 0", scratchUrlEnv: "SCRATCH", scratchTemplate: undefined });
    expect(
      problems({ SCRATCH: "nope" }, yaml("{ cron: '0 4 * * 0', scratch_url_env: SCRATCH }")),
    ).toEqual(["SCRATCH: not a valid URL"]);
    expect(problems(env, yaml("{ cron: '0 25 * * *', scratch_url_env: SCRATCH }"))[0]).toContain(
      "targets.app.drill.cron: invalid cron expression",
    );
    expect(problems(env, yaml("{ cron: '@daily', scratch_url: postgres://x/y }"))[0]).toContain(
      "targets.app.drill",
    );
  });

  it("reads a target's storage: keys from the named variables, defaults, refused prefixes, keys redacted", () => {
    const yaml = (storage: string) =>
      `targets:\n  app:\n    database_url: postgres://h/app\n    repository: acme/b\n    storage: ${storage}\n`;
    const ok =
      "{ endpoint: 'https://ref.supabase.co/storage/v1/s3', access_key_env: SK, secret_key_env: SS }";
    const env = { SK: "key-id", SS: "key-secret" };
    const c = loadConfig(env, yaml(ok));
    expect(c.targets[0]?.storage).toEqual({
      endpoint: "https://ref.supabase.co/storage/v1/s3",
      region: "us-east-1",
      accessKeyEnv: "SK",
      secretKeyEnv: "SS",
      keys: { accessKey: "key-id", secretKey: "key-secret" },
      buckets: "all",
      prefix: "files/app/",
    });
    expect(JSON.stringify(redact(c))).not.toContain("key-secret");
    // The services that do not read Storage start without its keys.
    expect(loadConfig({}, yaml(ok)).targets[0]?.storage?.keys).toBeUndefined();
    const withPrefix = (p: string) =>
      yaml(`{ endpoint: 'https://h/s3', access_key_env: SK, secret_key_env: SS, prefix: '${p}' }`);
    expect(loadConfig(env, withPrefix("kept/app")).targets[0]?.storage?.prefix).toBe("kept/app/");
    for (const runs of ["runs/app/", "runs"])
      expect(problems(env, withPrefix(runs))).toEqual([
        "targets.app.storage.prefix: runs/ holds the runs' own files; choose another prefix",
      ]);
    expect(problems(env, withPrefix("../x"))[0]).toContain("targets.app.storage.prefix");
    expect(
      problems(env, yaml("{ endpoint: nope, access_key_env: SK, secret_key_env: SS }"))[0],
    ).toContain("targets.app.storage.endpoint");
    expect(
      problems(env, yaml("{ endpoint: 'https://h/s3', access_key: abc, secret_key_env: SS }"))[0],
    ).toContain("targets.app.storage");
  });
});
