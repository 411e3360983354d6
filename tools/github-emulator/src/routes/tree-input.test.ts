import { describe, expect, it } from "vitest";
import { decodeBase64 } from "../base64.ts";
import { isValidPath } from "./tree-input.ts";

describe("request input checks", () => {
  it("accepts the paths git accepts and refuses malformed components", () => {
    for (const p of ["a", "a/b/c.txt", ".github/x", "a b/ü.txt"]) expect(isValidPath(p)).toBe(true);
    for (const p of ["", "/a", "a/", "a//b", "./a", "a/../b", ".git/config", "a/.GIT", "a\0b"])
      expect(isValidPath(p)).toBe(false);
  });

  it("decodes base64 with line breaks and refuses anything else", () => {
    expect(decodeBase64("aGVs\nbG8=\n")?.toString()).toBe("hello");
    expect(decodeBase64("")?.length).toBe(0);
    expect(decodeBase64("%%%")).toBeUndefined();
    expect(decodeBase64("abc")).toBeUndefined();
  });
});
