import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encryptionOf, identityFilesOf } from "./encryption-args.ts";

const A = "age1avxmncuyr8zndxv50awa8c2udsw2hvzea0tsn78wk4263tj3tc7q6nzfvd";
const B = "age16dwyrffz3z9ydmnz2t23qg40m8u89dagljcu7aaa3wmwvhpjz3zqhyxme4";

describe("the encryption flags of backup", () => {
  it("encrypts nothing without a recipient, and every table's data with one", () => {
    expect(encryptionOf({})).toBeUndefined();
    expect(encryptionOf({ "encrypt-to": [A] })).toEqual({
      recipients: [A],
      tables: [],
      schema: false,
    });
  });

  it("joins --encrypt-to and --encrypt-to-file, sorted and once each", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "tsnap-rcpt-")), "recipients.txt");
    await writeFile(file, `# team\n${A}\n${B}\n`);
    const s = encryptionOf({
      "encrypt-to": [A],
      "encrypt-to-file": [file],
      encrypt: ["public.*"],
      "encrypt-schema": true,
    });
    expect(s).toEqual({ recipients: [A, B].sort(), tables: ["public.*"], schema: true });
  });

  it("refuses --encrypt without a recipient, and a pattern without a dot", () => {
    expect(() => encryptionOf({ encrypt: ["public.*"] })).toThrow("need a recipient");
    expect(() => encryptionOf({ "encrypt-schema": true })).toThrow("need a recipient");
    expect(() => encryptionOf({ "encrypt-to": [A], encrypt: ["users"] })).toThrow(
      "give schema.table",
    );
  });

  it("takes identity files from the flag, else from TABLESNAP_AGE_IDENTITY_FILE", () => {
    expect(identityFilesOf(undefined, {})).toEqual([]);
    expect(identityFilesOf(undefined, { TABLESNAP_AGE_IDENTITY_FILE: "/k" })).toEqual(["/k"]);
    expect(identityFilesOf(["/a"], { TABLESNAP_AGE_IDENTITY_FILE: "/k" })).toEqual(["/a"]);
  });
});
