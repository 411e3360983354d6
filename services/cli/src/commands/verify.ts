import { UsageError } from "@tablesnap/core";
import { type VerifyReport, verifyBackup } from "@tablesnap/restore";
import { identityFilesOf, loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import { type BackupSource, openReader } from "./reader.ts";

export interface VerifyArgs extends BackupSource {
  readonly json: boolean;
}

export function parseVerifyArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): VerifyArgs {
  const parsed = parse(argv);
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError("verify takes one backup folder");
  const folder = positionals[0];
  if (!folder && !values.repo) throw new UsageError("give a backup folder, or --repo DIR");
  if (folder && values.repo) throw new UsageError("give a backup folder or --repo DIR, not both");
  return {
    folder,
    repo: values.repo,
    backup: values.backup ?? "latest",
    branch: values.branch ?? "main",
    identityFiles: identityFilesOf(values.identity, env),
    json: values.json ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseFlags(
    argv,
    {
      repo: { type: "string" },
      backup: { type: "string" },
      branch: { type: "string" },
      identity: { type: "string", multiple: true },
      json: { type: "boolean" },
    },
    true,
  );
}

export async function verifyCommand(args: VerifyArgs): Promise<VerifyReport> {
  const identities = await loadIdentities(args.identityFiles);
  return verifyBackup(await openReader(args), identities);
}

export function formatVerify(r: VerifyReport): { stdout: string; stderr: string } {
  const lines = r.problems.map((p) => p.message);
  const unopened =
    r.unopened > 0
      ? `; ${r.unopened} encrypted file(s) checked as stored only, not opened (no --identity for them)`
      : "";
  const summary = r.ok
    ? `ok: backup ${r.backupId} — ${r.files} files, ${r.bytes} bytes, every checksum matches${unopened}`
    : `FAILED: ${r.problems.length} problem(s) in backup ${r.backupId ?? "(no readable manifest)"}`;
  return { stdout: lines.length > 0 ? `${lines.join("\n")}\n` : "", stderr: `${summary}\n` };
}
