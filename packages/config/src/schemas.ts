import { z } from "zod";
import { CronSyntaxError, parseCron } from "./cron.ts";
import { parseDuration } from "./duration.ts";

/** `owner/repo` as GitHub spells them. */
export const REPO_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** Target names end up in NATS subjects, message ids and file names. */
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const repoName = z.string().regex(REPO_NAME, { error: "expected owner/repo" });

export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const seconds = parseDuration(v);
  if (seconds === null) {
    ctx.addIssue({
      code: "custom",
      message: "expected seconds or a duration like 90s, 15m, 26h, 7d",
    });
    return z.NEVER;
  }
  return seconds;
});

export const cronText = z.string().superRefine((text, ctx) => {
  try {
    parseCron(text);
  } catch (e) {
    if (!(e instanceof CronSyntaxError)) throw e;
    ctx.addIssue({ code: "custom", message: `invalid cron expression: ${e.message}` });
  }
});

export const envName = z
  .string()
  .regex(ENV_NAME, { error: "expected the name of an environment variable" });

/** A URL must parse; the message never repeats it (it may hold a password). */
export const urlText = z.string().refine((s) => URL.canParse(s), { error: "not a valid URL" });
