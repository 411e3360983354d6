import { FsArtifactStore } from "@tablesnap/artifacts";
import { UsageError } from "@tablesnap/core";
import { readManifest, type VerifyReport, verifyBackup } from "@tablesnap/restore";
import type { StorageVerifyReport } from "@tablesnap/storage";
import { identityFilesOf, loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import { storageSampleOf, storeDirOf } from "../storage-args.ts";
import { type BackupSource, openReader } from "./reader.ts";

export interface VerifyArgs extends BackupSource {
  /** The file store to re-hash the backup's Storage files in (`--storage-from`). */
  readonly storageFrom: string | undefined;
  /** Re-hash this many files picked at random, not all. */
  readonly storageSample: number | undefined;
  readonly json: boolean;
}

/** The backup's report, and the Storage files' with `--storage-from`. */
export interface VerifyOutcome extends VerifyReport {
  readonly storage?: StorageVerifyReport | undefined;
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
    storageFrom: storeDirOf(values["storage-from"], "--storage-from"),
    storageSample: sampleOf(values["storage-sample"], values["storage-from"]),
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
      "storage-from": { type: "string" },
      "storage-sample": { type: "string" },
      json: { type: "boolean" },
    },
    true,
  );
}

function sampleOf(raw: string | undefined, from: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (from === undefined) throw new UsageError("--storage-sample needs --storage-from DIR");
  return storageSampleOf(raw);
}

export async function verifyCommand(args: VerifyArgs): Promise<VerifyOutcome> {
  const identities = await loadIdentities(args.identityFiles);
  const reader = await openReader(args);
  const report = await verifyBackup(reader, identities);
  if (args.storageFrom === undefined || !report.ok) return report;
  const manifest = await readManifest(reader);
  if (!manifest.storage)
    throw new UsageError(`backup ${manifest.backup_id} holds no Storage files to verify`);
  const { verifyStorage } = await import("@tablesnap/storage");
  const storage = await verifyStorage({
    section: manifest.storage,
    read: (p) => reader.read(p),
    files: new FsArtifactStore(args.storageFrom),
    identities,
    sample: args.storageSample,
  });
  return { ...report, ok: storage.problems.length === 0, storage };
}

export function formatVerify(r: VerifyOutcome): { stdout: string; stderr: string } {
  const lines = [...r.problems.map((p) => p.message), ...(r.storage?.problems ?? [])];
  const unopened =
    r.unopened > 0
      ? `; ${r.unopened} encrypted file(s) checked as stored only, not opened (no --identity for them)`
      : "";
  const s = r.storage;
  const files = s
    ? `; storage: ${s.checked} of ${s.objects} file(s) re-hashed, ${s.bytes} bytes${s.unopened > 0 ? `, ${s.unopened} encrypted file(s) not opened (no --identity)` : ""}`
    : "";
  const summary = r.ok
    ? `ok: backup ${r.backupId} — ${r.files} files, ${r.bytes} bytes, every checksum matches${unopened}${files}`
    : `FAILED: ${lines.length} problem(s) in backup ${r.backupId ?? "(no readable manifest)"}${files}`;
  return { stdout: lines.length > 0 ? `${lines.join("\n")}\n` : "", stderr: `${summary}\n` };
}
