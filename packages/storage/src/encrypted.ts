import { type EncryptionSettings, tableMatcher } from "@tablesnap/encryption";

/**
 * The recipients Storage's files and listings are encrypted to: those of the backup's encryption
 * when it covers `storage.objects` (the rows that name the files), else none.
 */
export function storageRecipients(
  enc: EncryptionSettings | undefined,
): readonly string[] | undefined {
  if (!enc || !tableMatcher(enc.tables)("storage", "objects")) return undefined;
  return enc.recipients;
}
