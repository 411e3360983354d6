import { generateKeyPairSync } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64, checkedAnswers, checkedOctokit, type Harness, startHarness } from "./helpers.ts";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

/** Every operation the emulator implements, with the statuses it answers, checked against GitHub's schema. */
const EXPECTED = [
  "POST /orgs/{org}/repos 201",
  "POST /orgs/{org}/repos 422",
  "POST /user/repos 201",
  "GET /repos/{owner}/{repo} 200",
  "GET /repos/{owner}/{repo} 404",
  "PUT /repos/{owner}/{repo}/contents/{path} 201",
  "PUT /repos/{owner}/{repo}/contents/{path} 200",
  "PUT /repos/{owner}/{repo}/contents/{path} 409",
  "PUT /repos/{owner}/{repo}/contents/{path} 422",
  "POST /repos/{owner}/{repo}/git/blobs 201",
  "POST /repos/{owner}/{repo}/git/blobs 409",
  "GET /repos/{owner}/{repo}/git/blobs/{file_sha} 200",
  "POST /repos/{owner}/{repo}/git/trees 201",
  "POST /repos/{owner}/{repo}/git/trees 422",
  "GET /repos/{owner}/{repo}/git/trees/{tree_sha} 200",
  "POST /repos/{owner}/{repo}/git/commits 201",
  "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200",
  "GET /repos/{owner}/{repo}/git/ref/{ref} 200",
  "GET /repos/{owner}/{repo}/git/ref/{ref} 404",
  "GET /repos/{owner}/{repo}/git/ref/{ref} 409",
  "GET /repos/{owner}/{repo}/git/matching-refs/{ref} 200",
  "POST /repos/{owner}/{repo}/git/refs 201",
  "POST /repos/{owner}/{repo}/git/refs 422",
  "PATCH /repos/{owner}/{repo}/git/refs/{ref} 200",
  "PATCH /repos/{owner}/{repo}/git/refs/{ref} 422",
  "DELETE /repos/{owner}/{repo}/git/refs/{ref} 204",
  "GET /repos/{owner}/{repo}/installation 200",
  "POST /app/installations/{installation_id}/access_tokens 201",
  "GET /app/hook/deliveries 200",
  "GET /app/hook/deliveries/{delivery_id} 200",
  "POST /app/hook/deliveries/{delivery_id}/attempts 202",
];

describe("answers conform to GitHub's OpenAPI description (@octokit/openapi)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      app: { id: 9, privateKey, installations: [{ id: 90, account: "acme" }] },
    });
  });
  afterAll(() => h.close());

  it("for every implemented operation and the statuses it answers", async () => {
    const owner = "acme";
    const repo = "spec";
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => expect.fail("expected an error answer"),
        () => undefined,
      );
    const { rest } = h.octokit;
    await rest.repos.createInOrg({ org: owner, name: repo });
    await fail(rest.repos.createInOrg({ org: owner, name: repo }));
    await rest.repos.createForAuthenticatedUser({ name: "mine" });
    await rest.repos.get({ owner, repo });
    await fail(rest.repos.get({ owner, repo: "missing" }));
    await fail(rest.git.getRef({ owner, repo, ref: "heads/main" }));
    await fail(rest.git.createBlob({ owner, repo, content: "x" }));
    const file = await rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: "f.txt",
      message: "1",
      content: b64("1"),
    });
    await fail(
      rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: "f.txt",
        message: "2",
        content: b64("2"),
      }),
    );
    await fail(
      rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: "f.txt",
        message: "2",
        content: b64("2"),
        sha: "a".repeat(40),
      }),
    );
    await rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: "f.txt",
      message: "2",
      content: b64("2"),
      sha: file.data.content?.sha ?? "",
    });
    const blob = await rest.git.createBlob({ owner, repo, content: "blob" });
    await rest.git.getBlob({ owner, repo, file_sha: blob.data.sha });
    const head = await rest.git.getRef({ owner, repo, ref: "heads/main" });
    await fail(rest.git.getRef({ owner, repo, ref: "heads/none" }));
    await rest.git.listMatchingRefs({ owner, repo, ref: "heads/" });
    const tree = await rest.git.createTree({
      owner,
      repo,
      tree: [{ path: "b", mode: "100644", sha: blob.data.sha }],
    });
    await fail(
      rest.git.createTree({ owner, repo, tree: [{ path: "/x", mode: "100644", content: "x" }] }),
    );
    await rest.git.getTree({ owner, repo, tree_sha: tree.data.sha, recursive: "1" });
    const commit = await rest.git.createCommit({
      owner,
      repo,
      message: "c",
      tree: tree.data.sha,
      parents: [head.data.object.sha],
    });
    await rest.git.getCommit({ owner, repo, commit_sha: commit.data.sha });
    await rest.git.createRef({ owner, repo, ref: "refs/heads/side", sha: head.data.object.sha });
    await fail(
      rest.git.createRef({ owner, repo, ref: "refs/heads/side", sha: head.data.object.sha }),
    );
    await rest.git.updateRef({ owner, repo, ref: "heads/main", sha: commit.data.sha });
    await fail(rest.git.updateRef({ owner, repo, ref: "heads/main", sha: head.data.object.sha }));
    await rest.git.deleteRef({ owner, repo, ref: "heads/side" });

    const app = checkedOctokit(h.gh.url, {
      authStrategy: createAppAuth,
      auth: { appId: 9, privateKey },
    });
    await app.rest.apps.getRepoInstallation({ owner, repo });
    await app.rest.apps.createInstallationAccessToken({
      installation_id: 90,
      repositories: [repo],
    });
    const delivery = h.gh.addDelivery({ event: "push", action: null });
    await app.rest.apps.listWebhookDeliveries();
    await app.rest.apps.getWebhookDelivery({ delivery_id: delivery.id });
    await app.rest.apps.redeliverWebhookDelivery({ delivery_id: delivery.id });

    for (const answer of EXPECTED) expect(checkedAnswers).toContain(answer);
  });
});
