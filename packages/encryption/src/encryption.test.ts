import { createHash } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ArtifactStore, MemoryArtifactStore } from "@tablesnap/artifacts";
import { UsageError } from "@tablesnap/core";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { CiphertextError, NoIdentityError } from "./errors.ts";
import {
  identitiesFrom,
  NO_IDENTITIES,
  parseRecipients,
  readIdentityFiles,
  readRecipientsFile,
} from "./keys.ts";
import { tableMatcher } from "./policy.ts";
import { encryptingStore } from "./store.ts";
import { decrypting, EncryptingPipe } from "./stream.ts";

async function newKey() {
  const secret = await generateX25519Identity();
  const dir = await mkdtemp(join(tmpdir(), "tsnap-age-"));
  const file = join(dir, "key.txt");
  const recipient = await identityToRecipient(secret);
  await writeFile(file, `# created: now\n# public key: ${recipient}\n${secret}\n`);
  return { secret, recipient, file };
}

async function bytesOf(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return Buffer.concat(out);
}

describe("encryptingStore", () => {
  it("stores picked files as <path>.age and records both digests and the recipients", async () => {
    const a = await newKey();
    const b = await newKey();
    const inner = new MemoryArtifactStore();
    const store = encryptingStore(inner, [b.recipient, a.recipient], (p) => p.endsWith("data.sql"));
    const plain = Buffer.from("secret-marker-123\n".repeat(10_000));
    const w = await store.openWriter("t/data.sql");
    for (let i = 0; i < plain.length; i += 7000) await w.write(plain.subarray(i, i + 7000));
    const entry = await w.close();
    const clear = await store.openWriter("t/schema.sql");
    await clear.write(Buffer.from("create table t();\n"));
    const clearEntry = await clear.close();

    expect(await inner.list()).toEqual(["t/data.sql.age", "t/schema.sql"]);
    const stored = await bytesOf(inner.read("t/data.sql.age"));
    expect(stored.includes("secret-marker")).toBe(false);
    expect(entry).toEqual({
      path: "t/data.sql.age",
      sha256: createHash("sha256").update(stored).digest("hex"),
      bytes: stored.length,
      plain: { sha256: createHash("sha256").update(plain).digest("hex"), bytes: plain.length },
      recipients: [a.recipient, b.recipient].sort(),
    });
    expect(clearEntry.plain).toBeUndefined();

    for (const key of [a, b]) {
      const ids = await readIdentityFiles([key.file]);
      const back = await bytesOf(
        decrypting(inner.read("t/data.sql.age"), ids, "t/data.sql", entry.recipients ?? []),
      );
      expect(back.equals(plain)).toBe(true);
    }
  });

  it("an aborted file leaves nothing behind", async () => {
    const a = await newKey();
    const inner = new MemoryArtifactStore();
    const w = await encryptingStore(inner, [a.recipient], () => true).openWriter("x.sql");
    await w.write(Buffer.from("half"));
    await w.abort();
    expect(await inner.list()).toEqual([]);
  });
});

describe("decrypting", () => {
  it("names the file and its recipients when no identity opens it, before reading", async () => {
    const a = await newKey();
    const other = await newKey();
    const inner = new MemoryArtifactStore();
    const w = await encryptingStore(inner, [a.recipient], () => true).openWriter("roles.sql");
    await w.write(Buffer.from("create role x;\n"));
    await w.close();
    await expect(
      bytesOf(decrypting(inner.read("roles.sql.age"), NO_IDENTITIES, "roles.sql", [a.recipient])),
    ).rejects.toThrow(new NoIdentityError("roles.sql", [a.recipient], 0));
    const wrong = await readIdentityFiles([other.file]);
    const err = await bytesOf(
      decrypting(inner.read("roles.sql.age"), wrong, "roles.sql", [a.recipient]),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoIdentityError);
    expect((err as Error).message).toContain(a.recipient);
    expect((err as Error).message).not.toContain(other.secret);
  });

  it("a flipped byte fails age's authentication as a CiphertextError", async () => {
    const a = await newKey();
    const inner = new MemoryArtifactStore();
    const w = await encryptingStore(inner, [a.recipient], () => true).openWriter("d.sql");
    await w.write(Buffer.from("x".repeat(200_000)));
    await w.close();
    const stored = await bytesOf(inner.read("d.sql.age"));
    stored[stored.length - 1000] = (stored[stored.length - 1000] ?? 0) ^ 1;
    async function* bytes() {
      yield stored;
    }
    const ids = await readIdentityFiles([a.file]);
    await expect(bytesOf(decrypting(bytes(), ids, "d.sql", [a.recipient]))).rejects.toThrow(
      CiphertextError,
    );
  });

  it("passes on an error of the source itself", async () => {
    const a = await newKey();
    const ids = await readIdentityFiles([a.file]);
    async function* failing(): AsyncIterable<Uint8Array> {
      yield* [];
      throw new Error("bucket went away");
    }
    await expect(bytesOf(decrypting(failing(), ids, "d.sql", [a.recipient]))).rejects.toThrow(
      "bucket went away",
    );
  });
});

describe("keys", () => {
  it("checks recipients, sorts and dedupes them, and never repeats a secret key", async () => {
    const a = await newKey();
    const b = await newKey();
    expect(parseRecipients([b.recipient, a.recipient, b.recipient], "--encrypt-to")).toEqual(
      [a.recipient, b.recipient].sort(),
    );
    expect(() => parseRecipients(["age1nope"], "--encrypt-to")).toThrow(UsageError);
    const broken = `${a.recipient.slice(0, -1)}${a.recipient.endsWith("q") ? "p" : "q"}`;
    expect(() => parseRecipients([broken], "--encrypt-to")).toThrow("not a valid age recipient");
    const e = (() => {
      try {
        parseRecipients([a.secret], "--encrypt-to");
      } catch (x) {
        return x as Error;
      }
      return null;
    })();
    expect(e?.message).toContain("secret key");
    expect(e?.message).not.toContain(a.secret);
  });

  it("refuses any secret key as a recipient without repeating it, post-quantum ones too", () => {
    const pq = `AGE-SECRET-KEY-PQ-1${"Q".repeat(60)}`;
    for (const key of [pq, `"${pq}",`]) {
      const e = (() => {
        try {
          parseRecipients([key], "--encrypt-to");
        } catch (x) {
          return x as Error;
        }
        return null;
      })();
      expect(e?.message).toContain("secret key");
      expect(e?.message).not.toContain("QQQQ");
    }
    const long = `age1${"x".repeat(80)}`;
    expect(() => parseRecipients([long], "--encrypt-to")).toThrow('"age1xxxxxxxx…"');
  });

  it("a file the store cannot open fails the writer and leaves nothing", async () => {
    const a = await newKey();
    const inner = new MemoryArtifactStore();
    const failing: ArtifactStore = {
      location: inner.location,
      read: (p) => inner.read(p),
      list: (p) => inner.list(p),
      remove: (p) => inner.remove(p),
      removeFiles: (p) => inner.removeFiles(p),
      openWriter: async () => Promise.reject(new Error("bucket gone")),
    };
    const store = encryptingStore(failing, [a.recipient], () => true);
    await expect(store.openWriter("x.sql")).rejects.toThrow("bucket gone");
  });

  it("takes an X25519 key whatever its first letters (age1pq… is one in 1,024)", async () => {
    let key = "";
    for (let i = 0; i < 50_000 && !key.startsWith("age1pq"); i++)
      key = await identityToRecipient(await generateX25519Identity());
    expect(key.startsWith("age1pq")).toBe(true);
    expect(parseRecipients([key], "--encrypt-to")).toEqual([key]);
  });

  it("reads recipients files and identity files as age writes them", async () => {
    const a = await newKey();
    const dir = await mkdtemp(join(tmpdir(), "tsnap-age-"));
    const list = join(dir, "recipients.txt");
    await writeFile(list, `# ops\n${a.recipient}\n\n`);
    expect(readRecipientsFile(list, "--encrypt-to-file")).toEqual([a.recipient]);
    const ids = await readIdentityFiles([a.file]);
    expect([...ids.recipients]).toEqual([a.recipient]);
    const bad = join(dir, "bad.txt");
    await writeFile(bad, "not a key\n");
    await expect(readIdentityFiles([bad])).rejects.toThrow("is not an age X25519 identity");
    await expect(readIdentityFiles([join(dir, "absent")])).rejects.toThrow("cannot read");
  });

  it("gives the services' keys from TABLESNAP_AGE_IDENTITY and TABLESNAP_AGE_IDENTITY_FILE", async () => {
    const [a, b] = [await newKey(), await newKey()];
    const text = await readFile(a.file, "utf8");
    const both = await identitiesFrom({
      text: text,
      file: b.file,
    });
    expect([...both.recipients].sort()).toEqual([a.recipient, b.recipient].sort());
    expect(await identitiesFrom({})).toBe(NO_IDENTITIES);
    const broken = `${a.secret.slice(0, -4)}XXXX`;
    const error = await identitiesFrom({ text: broken }).catch((e) => e);
    expect(String(error)).toMatch(/TABLESNAP_AGE_IDENTITY: key 1 is not a/);
    expect(String(error)).not.toContain(a.secret.slice(20, 40));
    await expect(identitiesFrom({ text: "# none\n" })).rejects.toThrow(
      "TABLESNAP_AGE_IDENTITY: holds no age identity",
    );
    const dir = await mkdtemp(join(tmpdir(), "tsnap-age-"));
    const badFile = join(dir, "bad.txt");
    await writeFile(badFile, `${broken}\n`);
    await expect(identitiesFrom({ text: text, file: badFile })).rejects.toThrow(
      /^TABLESNAP_AGE_IDENTITY_FILE: key 1 is not a/,
    );
  });
});

describe("tableMatcher", () => {
  it("matches schema.table globs, and every table without a pattern", () => {
    const m = tableMatcher(["public.*", "auth.users"]);
    expect(m("public", "My Table")).toBe(true);
    expect(m("auth", "users")).toBe(true);
    expect(m("auth", "sessions")).toBe(false);
    expect(m("publicx", "t")).toBe(false);
    expect(m("public.v1", "2")).toBe(false);
    expect(tableMatcher(["public.v1.*"])("public.v1", "2")).toBe(true);
    expect(tableMatcher(["a.t?"])("a", "t1")).toBe(true);
    expect(tableMatcher([])("any", "thing")).toBe(true);
    expect(() => tableMatcher(["users"])).toThrow("give schema.table");
  });
});

describe("EncryptingPipe", () => {
  it("reports the consumer's own error from write and close", async () => {
    const a = await newKey();
    const pipe = new EncryptingPipe([a.recipient], async () => {
      throw new Error("disk full");
    });
    const chunk = new Uint8Array(1 << 20);
    const err = await (async () => {
      for (let i = 0; i < 64; i++) await pipe.write(chunk);
      await pipe.close();
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe("disk full");
  });
});
