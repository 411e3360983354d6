import { TablesnapError } from "@tablesnap/core";

/** An encrypted file none of the given identities can open: names the file and its recipients. */
export class NoIdentityError extends TablesnapError {
  constructor(path: string, recipients: readonly string[], given: number) {
    super(
      "no_identity",
      `${path} is encrypted to ${recipients.join(", ")}; ${given === 0 ? "no identity was given (--identity FILE or TABLESNAP_AGE_IDENTITY_FILE; the services also read TABLESNAP_AGE_IDENTITY)" : `none of the ${given} identities given is the key of one of them`}`,
      { context: { path } },
    );
  }
}

/** A ciphertext that fails age's authentication: altered or damaged, like a checksum mismatch. */
export class CiphertextError extends TablesnapError {
  constructor(path: string, cause: unknown) {
    super(
      "ciphertext",
      `${path}: does not decrypt (${cause instanceof Error ? cause.message : String(cause)}): the stored file was altered or damaged`,
      { cause, context: { path } },
    );
  }
}
