import { z } from "zod";
import { cronText, duration, envName, repoName, TARGET_NAME, urlText } from "./schemas.ts";
import { urlHasPassword } from "./secrets.ts";

const branch = z.string().min(1);
const remote = z
  .string()
  .min(1)
  .refine((r) => !urlHasPassword(r), {
    error:
      "the remote URL holds a password: give git its credentials another way (GITHUB_TOKEN, a credential helper)",
  });
const databaseUrl = urlText.refine((u) => !urlHasPassword(u), {
  error:
    "holds a password: put the URL in an environment variable and name it with database_url_env",
});

const repository = z.union(
  [
    repoName,
    z.strictObject({ github: repoName, branch: branch.optional() }),
    z.strictObject({ git: remote, branch: branch.optional() }),
    z.strictObject({ path: z.string().min(1), branch: branch.optional() }),
  ],
  {
    error:
      "expected owner/repo, or one of { github: owner/repo }, { git: <remote URL> }, { path: <folder> } with an optional branch",
  },
);

const scheduleName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, { error: "letters, digits, - and _ only" });

const schedule = z.union([cronText, z.strictObject({ name: scheduleName, cron: cronText })], {
  error: 'expected a cron expression or { name, cron }, like "0 3 * * *"',
});

const repoPattern = z.string().regex(/^[A-Za-z0-9*][A-Za-z0-9*-]*\/[A-Za-z0-9._*-]+$/, {
  error: "expected owner/repo (* allowed)",
});

export const targetSchema = z.strictObject({
  database_url: databaseUrl.optional(),
  database_url_env: envName.optional(),
  repository,
  /** Branch names; `@default` is the pushed repository's default branch. */
  branches: z.array(branch).min(1).optional(),
  repositories: z.union([z.literal("all"), z.array(repoPattern).min(1)]).optional(),
  schedules: z.array(schedule).optional(),
  retention: z
    .strictObject({
      keep: z.int().min(0).optional(),
      keep_days: z.int().min(0).optional(),
      /**
       * When to squash the branch's history older than keep/keep_days (`tablesnap prune`). It
       * rewrites the branch (by force on GitHub): set only when that is wanted.
       */
      prune_history: cronText.optional(),
    })
    .optional(),
  debounce: duration.optional(),
  freshness_limit: duration.optional(),
  time_limit: duration.optional(),
  /** Keep role password hashes in roles.sql (default false). */
  role_passwords: z.boolean().optional(),
  /** Commit a backup whose content equals the latest's too (default false: nothing written). */
  commit_unchanged: z.boolean().optional(),
  /** age recipients (public keys) and the `schema.table` globs of the tables to encrypt. */
  encryption: z
    .strictObject({
      recipients: z.array(z.string()).min(1),
      tables: z.array(z.string()).optional(),
      schema: z.boolean().optional(),
    })
    .optional(),
  /**
   * Supabase Storage's files, read through the project's S3 endpoint after each snapshot and kept
   * once by sha256 in the artifacts bucket under `prefix` (default `files/<target>/`).
   */
  storage: z
    .strictObject({
      endpoint: urlText,
      region: z.string().min(1).optional(),
      access_key_env: envName,
      secret_key_env: envName,
      buckets: z.union([z.array(z.string().min(1)).min(1), z.literal("all")]).optional(),
      prefix: z
        .string()
        .regex(/^(?!(.*\/)?\.{1,2}(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/, {
          error: "a key prefix such as files/app/ (letters, digits, . _ - and /)",
        })
        .optional(),
    })
    .optional(),
  /**
   * A restore test on a schedule: the latest backup restored into a scratch database made on the
   * server of the URL in `scratch_url_env`, then read back and compared with the manifest.
   */
  drill: z
    .strictObject({
      cron: cronText,
      scratch_url_env: envName,
      scratch_template: z.string().min(1).optional(),
    })
    .optional(),
});

export const fileSchema = z.strictObject({
  version: z.literal(1).optional(),
  targets: z
    .record(
      z.string().regex(TARGET_NAME, { error: "target names: letters, digits, - and _ (up to 63)" }),
      targetSchema,
    )
    .refine((t) => Object.keys(t).length > 0, { error: "name at least one target" }),
});

export type FileTarget = z.output<typeof targetSchema>;
export type ConfigFile = z.output<typeof fileSchema>;
