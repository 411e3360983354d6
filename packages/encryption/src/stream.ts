import { Decrypter, Encrypter } from "age-encryption";
import { CiphertextError, NoIdentityError } from "./errors.ts";
import { canOpen, type Identities } from "./keys.ts";

/** Encrypts to `recipients` as the bytes are pushed; `onCipher` gets the ciphertext in order. */
export class EncryptingPipe {
  readonly #input = new TransformStream<Uint8Array, Uint8Array>();
  readonly #writer = this.#input.writable.getWriter();
  readonly #done: Promise<void>;
  /** Why the consumer stopped: what write and close report, not the stream's own abort. */
  #failure: { error: unknown } | undefined;

  constructor(recipients: readonly string[], onCipher: (chunk: Uint8Array) => Promise<void>) {
    const e = new Encrypter();
    for (const r of recipients) e.addRecipient(r);
    this.#done = (async () => {
      for await (const c of await e.encrypt(this.#input.readable)) await onCipher(c);
    })();
    // A failed consumer must not leave a writer waiting for room that never comes.
    this.#done.catch((error: unknown) => {
      this.#failure ??= { error };
      void this.#writer.abort(error).catch(() => {});
    });
  }

  async write(chunk: Uint8Array): Promise<void> {
    try {
      await this.#writer.write(chunk);
    } catch (e) {
      // The stream fails first; the consumer's own error (a full disk, S3) is the one to tell.
      await this.#done.catch(() => {});
      throw this.#failure ? this.#failure.error : e;
    }
  }

  /** Ends the plaintext and waits until every ciphertext byte has been handed on. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#done;
  }

  async abort(): Promise<void> {
    await this.#writer.abort(new Error("aborted")).catch(() => {});
    await this.#done.catch(() => {});
  }
}

/**
 * The plaintext of an encrypted file, streamed. Fails at once with NoIdentityError when no
 * identity opens it, and with CiphertextError when age's authentication fails; an error reading
 * `source` itself is passed on as it is.
 */
export async function* decrypting(
  source: AsyncIterable<Uint8Array>,
  ids: Identities,
  path: string,
  recipients: readonly string[],
): AsyncIterable<Uint8Array> {
  if (!canOpen(ids, recipients)) throw new NoIdentityError(path, recipients, ids.keys.length);
  const d = new Decrypter();
  for (const k of ids.keys) d.addIdentity(k);
  let sourceError: { error: unknown } | undefined;
  const it = source[Symbol.asyncIterator]();
  const input = new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const r = await it.next();
        if (r.done) c.close();
        else c.enqueue(r.value);
      } catch (error) {
        sourceError = { error };
        c.error(error);
      }
    },
    async cancel() {
      await it.return?.();
    },
  });
  try {
    for await (const chunk of await d.decrypt(input)) yield chunk;
  } catch (e) {
    if (sourceError) throw sourceError.error;
    // A header age refused leaves the source unread: end it (a git cat-file would block).
    await it.return?.().catch(() => {});
    throw new CiphertextError(path, e);
  }
}
