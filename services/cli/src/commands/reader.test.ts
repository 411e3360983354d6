import { describe, expect, it } from "vitest";
import { jobsOf, sourceOf } from "./reader.ts";

describe("the backup-source and --jobs flags of restore and drill", () => {
  it("takes --from or --repo, with latest on main by default", () => {
    expect(sourceOf({ from: "/b" }, {})).toEqual({
      folder: "/b",
      repo: undefined,
      backup: "latest",
      branch: "main",
      identityFiles: [],
    });
    expect(sourceOf({ repo: "/r", backup: "latest_x", branch: "dev" })).toMatchObject({
      repo: "/r",
      backup: "latest_x",
      branch: "dev",
    });
  });

  it("takes identity files from --identity, else TABLESNAP_AGE_IDENTITY_FILE", () => {
    const env = { TABLESNAP_AGE_IDENTITY_FILE: "/env/key.txt" };
    expect(sourceOf({ from: "/b" }, env).identityFiles).toEqual(["/env/key.txt"]);
    expect(sourceOf({ from: "/b", identity: ["/a", "/b"] }, env).identityFiles).toEqual([
      "/a",
      "/b",
    ]);
  });

  it("refuses neither, or both", () => {
    expect(() => sourceOf({})).toThrow("give --from <backup folder>, or --repo DIR");
    expect(() => sourceOf({ from: "/b", repo: "/r" })).toThrow("give --from or --repo, not both");
  });

  it("takes --jobs from 1 to 64, the command's default when not given", () => {
    expect(jobsOf(undefined, 2)).toBe(2);
    expect(jobsOf("64", 1)).toBe(64);
    for (const bad of ["0", "65", "1.5", "", "x"]) {
      expect(() => jobsOf(bad, 1)).toThrow(
        `--jobs must be a whole number from 1 to 64 (got ${bad})`,
      );
    }
  });
});
