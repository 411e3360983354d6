import { describe, expect, it } from "vitest";
import { gitDate, isoDate, parseCommit, parseIsoDate, parseTree } from "./objects.ts";

describe("git object parsing and dates", () => {
  it("reads ISO 8601 dates with their offset and writes git's raw date", () => {
    const d = parseIsoDate("2024-05-06T07:08:09+02:00");
    expect(d).toEqual({ time: 1714972089, offsetMinutes: 120 });
    expect(gitDate({ name: "", email: "", time: 1714972089, offsetMinutes: -330 })).toBe(
      "@1714972089 -0530",
    );
    expect(parseIsoDate("2024-05-06T05:08:09Z")).toEqual({ time: 1714972089, offsetMinutes: 0 });
    expect(parseIsoDate("yesterday")).toBeUndefined();
    expect(isoDate({ name: "", email: "", time: 1714972089, offsetMinutes: 120 })).toBe(
      "2024-05-06T05:08:09Z",
    );
  });

  it("parses raw trees, padding a tree's mode to GitHub's six digits", () => {
    const sha = Buffer.from("4b825dc642cb6eb9a060e54bf8d69288fbee4904", "hex");
    const raw = Buffer.concat([
      Buffer.from("40000 sub\0"),
      sha,
      Buffer.from("100755 run.sh\0"),
      sha,
    ]);
    expect(parseTree(raw)).toEqual([
      { mode: "040000", type: "tree", sha: sha.toString("hex"), name: "sub" },
      { mode: "100755", type: "blob", sha: sha.toString("hex"), name: "run.sh" },
    ]);
  });

  it("parses commits, skipping multi-line headers and keeping the message verbatim", () => {
    const raw = [
      "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
      "parent 1111111111111111111111111111111111111111",
      "parent 2222222222222222222222222222222222222222",
      "author A B <a@example.com> 1700000000 +0100",
      "committer C <c@example.com> 1700000001 -0000",
      "gpgsig -----BEGIN PGP SIGNATURE-----",
      " abc",
      " -----END PGP SIGNATURE-----",
      "",
      "subject\n\nbody without newline",
    ].join("\n");
    const c = parseCommit(Buffer.from(raw));
    expect(c.parents).toHaveLength(2);
    expect(c.author).toEqual({
      name: "A B",
      email: "a@example.com",
      time: 1700000000,
      offsetMinutes: 60,
    });
    expect(c.committer.name).toBe("C");
    expect(c.message).toBe("subject\n\nbody without newline");
  });
});
