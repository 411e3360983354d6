import { describe, expect, it } from "vitest";
import { parseBackupArgs } from "./args.ts";
import { parseRestoreArgs } from "./commands/restore.ts";
import { parseVerifyArgs } from "./commands/verify.ts";

const KEYS = { STORAGE_S3_ACCESS_KEY: "ak", STORAGE_S3_SECRET_KEY: "sk" };
const DB = ["--database-url", "postgres://u@h/db", "--repo", "/tmp/r"];
const EP = ["--storage-endpoint", "https://ref.supabase.co/storage/v1/s3"];

describe("the Storage flags: bad input gets a clear error before anything runs", () => {
  it("backup: reads Storage only with an endpoint, its keys and a folder to keep the files in", () => {
    expect(parseBackupArgs(DB, {}).storage).toBeUndefined();
    const ok = parseBackupArgs(
      [...DB, ...EP, "--storage-to", "/srv/files", "--storage-bucket", "a"],
      KEYS,
    );
    expect(ok.storage).toMatchObject({
      to: "/srv/files",
      buckets: ["a"],
      endpoint: { region: "us-east-1" },
    });
    expect(parseBackupArgs([...DB, ...EP, "--storage-to", "/f"], KEYS).storage?.buckets).toBe(
      "all",
    );
    const bad: [string[], Record<string, string>, RegExp][] = [
      [[...EP, "--storage-to", "/f"], {}, /needs STORAGE_S3_ACCESS_KEY and STORAGE_S3_SECRET_KEY/],
      [[...EP], KEYS, /--storage-endpoint needs --storage-to DIR/],
      [["--storage-to", "/f"], KEYS, /--storage-to and --storage-bucket need --storage-endpoint/],
      [["--storage-endpoint", "ref.supabase.co", "--storage-to", "/f"], KEYS, /is not a URL/],
      [
        ["--storage-endpoint", "ftp://h/s3", "--storage-to", "/f"],
        KEYS,
        /must be http:\/\/ or https:\/\//,
      ],
      [
        ["--storage-endpoint", "https://k:s@h/s3", "--storage-to", "/f"],
        KEYS,
        /takes no credentials/,
      ],
      [["--storage-region", "eu-west-1"], KEYS, /--storage-region needs --storage-endpoint/],
      [[...EP, "--storage-to", ""], KEYS, /--storage-to needs a folder/],
    ];
    for (const [argv, env, message] of bad)
      expect(() => parseBackupArgs([...DB, ...argv], env)).toThrow(message);
  });

  it("restore: --storage needs the target endpoint and the file store; its flags need --storage", () => {
    const base = ["--repo", "/tmp/r"];
    const ok = parseRestoreArgs(
      [...base, "--storage", ...EP, "--storage-from", "/f", "--prefix", "a/", "--mirror"],
      KEYS,
    );
    expect(ok.databaseUrl).toBeUndefined();
    expect(ok.storage).toMatchObject({ from: "/f", prefix: "a/", mirror: true, buckets: [] });
    expect(() => parseRestoreArgs([...base, "--storage", "--storage-from", "/f"], KEYS)).toThrow(
      /--storage needs --storage-endpoint/,
    );
    expect(() => parseRestoreArgs([...base, "--storage", ...EP], KEYS)).toThrow(
      /--storage needs --storage-from DIR/,
    );
    expect(() =>
      parseRestoreArgs([...base, "--database-url", "postgres://u@h/d", "--mirror"], KEYS),
    ).toThrow(/--mirror need --storage/);
    expect(() => parseRestoreArgs(base, {})).toThrow(/--database-url is required/);
    // A restore URL left in the environment does not add the database to a files-only restore.
    const env = { ...KEYS, TABLESNAP_RESTORE_URL: "postgres://u@h/d" };
    const filesOnly = [...base, "--storage", ...EP, "--storage-from", "/f"];
    expect(parseRestoreArgs(filesOnly, env).databaseUrl).toBeUndefined();
    expect(parseRestoreArgs(base, env).databaseUrl).toBe("postgres://u@h/d");
  });

  it("verify: --storage-sample is a count of files, with --storage-from", () => {
    expect(
      parseVerifyArgs(["--repo", "/r", "--storage-from", "/f", "--storage-sample", "5"])
        .storageSample,
    ).toBe(5);
    expect(() => parseVerifyArgs(["--repo", "/r", "--storage-sample", "5"])).toThrow(
      /needs --storage-from/,
    );
    expect(() =>
      parseVerifyArgs(["--repo", "/r", "--storage-from", "/f", "--storage-sample", "0"]),
    ).toThrow(/1 or more/);
    expect(() =>
      parseVerifyArgs(["--repo", "/r", "--storage-from", "/f", "--storage-sample", "x"]),
    ).toThrow(/whole number/);
  });
});
