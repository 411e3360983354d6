import { randomBytes } from "node:crypto";
import { FsArtifactStore } from "@tablesnap/artifacts";
import { UsageError } from "@tablesnap/core";
import { GitTreeReader, openLocalRepo, type RekeyResult, rekeyLatest } from "@tablesnap/publish";
import { encryptionOf, identityFilesOf, loadIdentities } from "../encryption-args.ts";
import { parseFlags } from "../flags.ts";
import type { Output } from "../output.ts";

export interface KeysArgs {
  readonly repo: string;
  readonly branch: string;
  readonly identityFiles: readonly string[];
  readonly recipients: readonly string[];
}

export function parseKeysArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): KeysArgs {
  const [sub, ...rest] = argv;
  if (sub !== "rotate")
    throw new UsageError(`keys takes one subcommand, rotate (got ${JSON.stringify(sub ?? "")})`);
  const { values } = parse(rest);
  if (!values.repo) throw new UsageError("--repo DIR is required");
  const identityFiles = identityFilesOf(values.identity, env);
  if (identityFiles.length === 0)
    throw new UsageError("--identity FILE is required: a key that opens the backup now");
  const settings = encryptionOf(values);
  if (!settings)
    throw new UsageError("give the new recipients: --encrypt-to age1… or --encrypt-to-file FILE");
  return {
    repo: values.repo,
    branch: values.branch ?? "main",
    identityFiles,
    recipients: settings.recipients,
  };
}

function parse(argv: readonly string[]) {
  return parseFlags(
    argv,
    {
      repo: { type: "string" },
      branch: { type: "string" },
      identity: { type: "string", multiple: true },
      "encrypt-to": { type: "string", multiple: true },
      "encrypt-to-file": { type: "string", multiple: true },
    },
    false,
  );
}

export async function keysCommand(args: KeysArgs, out: Output): Promise<RekeyResult> {
  const identities = await loadIdentities(args.identityFiles);
  const session = await openLocalRepo(args.repo, args.branch);
  try {
    if (session.created || !(await session.repo.head(args.branch)))
      throw new UsageError(`no branch ${args.branch} with a backup in ${args.repo}`);
    const staging = new FsArtifactStore(
      session.stagingDir(`rekey-${randomBytes(4).toString("hex")}`),
    );
    out.info(`re-keying the latest backup in ${session.dir}`);
    const r = await rekeyLatest({
      repo: session.repo,
      branch: args.branch,
      read: (commit, folder, path) =>
        new GitTreeReader(session.dir, `${commit}:${folder}`).read(path),
      identities,
      recipients: args.recipients,
      staging,
    });
    await session.syncWorkTree(args.branch);
    await session.close();
    return r;
  } catch (e) {
    await (session.created ? session.discard() : session.close());
    throw e;
  }
}
