import { describe, expect, it } from "vitest";
import { documentsStatus, schemaProblems } from "./openapi.ts";

describe("the OpenAPI validator the integration tests rely on", () => {
  it("rejects a body that lacks what GitHub's schema requires", () => {
    expect(schemaProblems("GET", "/repos/{owner}/{repo}", 200, { id: 1 })).not.toEqual([]);
    expect(
      schemaProblems("GET", "/repos/{owner}/{repo}/git/ref/{ref}", 200, { ref: "refs/heads/main" }),
    ).not.toEqual([]);
  });

  it("accepts GitHub's own example of a git reference and nullable fields as null", () => {
    const ref = {
      ref: "refs/heads/main",
      node_id: "x",
      url: "https://api.github.com/repos/o/r/git/refs/heads/main",
      object: {
        type: "commit",
        sha: "a".repeat(40),
        url: "https://api.github.com/repos/o/r/git/commits/x",
      },
    };
    expect(schemaProblems("GET", "/repos/{owner}/{repo}/git/ref/{ref}", 200, ref)).toEqual([]);
    const blob = {
      sha: "a",
      url: "https://x.test/a",
      node_id: "n",
      size: null,
      content: "",
      encoding: "base64",
    };
    expect(schemaProblems("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", 200, blob)).toEqual(
      [],
    );
  });

  it("falls back to basic-error for error statuses the operation does not document", () => {
    expect(documentsStatus("GET", "/repos/{owner}/{repo}", 401)).toBe(false);
    expect(schemaProblems("GET", "/repos/{owner}/{repo}", 401, { message: 1 })).not.toEqual([]);
    expect(
      schemaProblems("GET", "/repos/{owner}/{repo}", 401, { message: "Bad credentials" }),
    ).toEqual([]);
  });
});
