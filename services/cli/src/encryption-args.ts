import { UsageError } from "@tablesnap/core";
import {
  type EncryptionSettings,
  type Identities,
  NO_IDENTITIES,
  parseRecipients,
  readIdentityFiles,
  readRecipientsFile,
  tableMatcher,
} from "@tablesnap/encryption";

/** The backup flags that encrypt; they share one parseArgs with the rest. */
export const ENCRYPT_OPTIONS = {
  "encrypt-to": { type: "string", multiple: true },
  "encrypt-to-file": { type: "string", multiple: true },
  encrypt: { type: "string", multiple: true },
  "encrypt-schema": { type: "boolean" },
} as const;

/** What `--encrypt*` ask for; undefined when no recipient is given (nothing is encrypted). */
export function encryptionOf(values: {
  "encrypt-to"?: string[] | undefined;
  "encrypt-to-file"?: string[] | undefined;
  encrypt?: string[] | undefined;
  "encrypt-schema"?: boolean | undefined;
}): EncryptionSettings | undefined {
  const given = [
    ...parseRecipients(values["encrypt-to"] ?? [], "--encrypt-to"),
    ...(values["encrypt-to-file"] ?? []).flatMap((f) => readRecipientsFile(f, "--encrypt-to-file")),
  ];
  const tables = values.encrypt ?? [];
  tableMatcher(tables);
  if (given.length === 0) {
    if (tables.length > 0 || values["encrypt-schema"])
      throw new UsageError(
        "--encrypt and --encrypt-schema need a recipient: --encrypt-to age1… or --encrypt-to-file FILE",
      );
    return undefined;
  }
  return {
    recipients: [...new Set(given)].sort(),
    tables,
    schema: values["encrypt-schema"] ?? false,
  };
}

/** The identity files `--identity` names, else TABLESNAP_AGE_IDENTITY_FILE's. */
export function identityFilesOf(
  flags: readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (flags && flags.length > 0) return [...flags];
  const fromEnv = env["TABLESNAP_AGE_IDENTITY_FILE"];
  return fromEnv ? [fromEnv] : [];
}

export async function loadIdentities(files: readonly string[]): Promise<Identities> {
  return files.length === 0 ? NO_IDENTITIES : readIdentityFiles(files);
}
