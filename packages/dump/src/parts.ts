import type { ArtifactStore, ArtifactWriter } from "@tablesnap/artifacts";
import type { FileEntry } from "@tablesnap/core";

export interface PartWriterOptions {
  readonly store: ArtifactStore;
  /** Path of part `n` (1-based). */
  readonly partPath: (n: number) => string;
  /** No part grows past this many bytes, except one holding a single larger row. */
  readonly maxBytes: number;
  /** Written at the start and end of every part, so each part stands on its own. */
  readonly header?: Uint8Array;
  readonly footer?: Uint8Array;
  /** Split only after a newline (COPY rows), or anywhere (binary archives). */
  readonly splitAtNewline: boolean;
}

const EMPTY = new Uint8Array(0);
const NL = 0x0a;

/**
 * Streams bytes into numbered parts of at most `maxBytes`. Where it splits depends only on the
 * bytes, so the same content is split the same way every time.
 */
export class PartWriter {
  readonly #o: PartWriterOptions;
  readonly #header: Uint8Array;
  readonly #footer: Uint8Array;
  readonly #files: FileEntry[] = [];
  #part: ArtifactWriter | undefined;
  #used = 0;
  #dataInPart = 0;
  #carry: Uint8Array[] = [];

  constructor(options: PartWriterOptions) {
    this.#o = options;
    this.#header = options.header ?? EMPTY;
    this.#footer = options.footer ?? EMPTY;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.#o.splitAtNewline) return this.#place(chunk);
    // Only whole rows are placed, so where a part ends never depends on how bytes were chunked.
    const nl = chunk.lastIndexOf(NL);
    if (nl < 0) {
      this.#carry.push(chunk);
      return;
    }
    const rows =
      this.#carry.length > 0
        ? Buffer.concat([...this.#carry, chunk.subarray(0, nl + 1)])
        : chunk.subarray(0, nl + 1);
    this.#carry = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
    await this.#place(rows);
  }

  async #place(bytes: Uint8Array): Promise<void> {
    let buf = bytes;
    while (buf.length > 0) {
      if (!this.#part) await this.#open();
      const room = this.#o.maxBytes - this.#used - this.#footer.length;
      if (buf.length <= room) {
        buf = await this.#emit(buf, buf.length);
        return;
      }
      const cut = room <= 0 ? 0 : this.#o.splitAtNewline ? buf.lastIndexOf(NL, room - 1) + 1 : room;
      if (cut > 0) {
        buf = await this.#emit(buf, cut);
        await this.#closePart();
      } else if (this.#dataInPart > 0) {
        await this.#closePart();
      } else {
        // A single row larger than a part: it gets a part of its own.
        const nl = this.#o.splitAtNewline ? buf.indexOf(NL) : -1;
        buf = await this.#emit(buf, nl < 0 ? buf.length : nl + 1);
      }
    }
  }

  /** Ends the last part (`trailer` goes after its footer) and returns every part in order. */
  async close(trailer: Uint8Array = EMPTY): Promise<FileEntry[]> {
    if (this.#carry.length > 0) await this.#place(Buffer.concat(this.#carry));
    this.#carry = [];
    if (!this.#part) await this.#open();
    await this.#closePart(trailer);
    return this.#files;
  }

  async abort(): Promise<void> {
    await this.#part?.abort();
    this.#part = undefined;
  }

  async #open(): Promise<void> {
    this.#part = await this.#o.store.openWriter(this.#o.partPath(this.#files.length + 1));
    this.#used = 0;
    this.#dataInPart = 0;
    if (this.#header.length > 0) await this.#raw(this.#header);
  }

  async #closePart(trailer: Uint8Array = EMPTY): Promise<void> {
    const part = this.#part;
    if (!part) return;
    if (this.#footer.length > 0) await this.#raw(this.#footer);
    if (trailer.length > 0) await this.#raw(trailer);
    this.#files.push(await part.close());
    this.#part = undefined;
  }

  async #emit(buf: Uint8Array, n: number): Promise<Uint8Array> {
    const head = buf.subarray(0, n);
    await this.#raw(head);
    this.#dataInPart += n;
    return buf.subarray(n);
  }

  async #raw(bytes: Uint8Array): Promise<void> {
    await this.#part?.write(bytes);
    this.#used += bytes.length;
  }
}

export { numberedPath } from "@tablesnap/core";
