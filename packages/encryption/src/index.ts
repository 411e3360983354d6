export { CiphertextError, NoIdentityError } from "./errors.ts";
export type { Identities } from "./keys.ts";
export {
  canOpen,
  identitiesFrom,
  NO_IDENTITIES,
  parseRecipients,
  readIdentityFiles,
  readRecipientsFile,
} from "./keys.ts";
export type { EncryptionSettings } from "./policy.ts";
export { tableMatcher } from "./policy.ts";
export { encryptingStore } from "./store.ts";
export { decrypting, EncryptingPipe } from "./stream.ts";
