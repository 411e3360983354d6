import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneAndFsck, type GitHubHarness, gitOut, startGitHub } from "../../test/github.ts";
import { type Files, manifestOf, storeOf } from "../../test/manifests.ts";
import {
  GitHubAuthError,
  GitHubPermissionError,
  GitHubRepoNotFoundError,
  ProtectedBranchError,
} from "../errors.ts";
import { publishBackup } from "../publish.ts";
import type { BackupRepo, CommitRequest } from "../types.ts";
import { WriteBudget } from "./budget.ts";
import { GitHubBackupRepo } from "./github-repo.ts";

const retention = { keep: 30, keepDays: 30 };
const files: Files = {
  "database.sql": "-- database\n",
  "public/tables/users/data.sql": "COPY users (id) FROM stdin;\n1\n\\.\n",
};

function publish(repo: BackupRepo, id: string, time: string) {
  return storeOf(files).then((artifacts) =>
    publishBackup({
      repo,
      branch: "main",
      manifest: manifestOf(id, time, files),
      artifacts,
      retention,
      commitUnchanged: true, // every backup here holds the same files: commit each anyway
    }),
  );
}

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

describe("GitHubBackupRepo against faults, other writers and refusals", () => {
  let h: GitHubHarness;
  beforeAll(async () => {
    h = await startGitHub({
      tokens: [
        { token: "t-all" },
        { token: "t-other", repositories: ["acme/elsewhere"] },
        { token: "t-read", permission: "read" },
      ],
      app: { id: 4242, privateKey, installations: [{ id: 77, account: "acme" }] },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("rebuilds on top of a concurrent writer, loses no commit and sends no blob twice", async () => {
    const name = await h.createRepo("race", { unbornMain: true });
    const [owner, repo] = name.split("/") as [string, string];
    const gh = await h.open(name, { auth: { kind: "token", token: "t-all" } });
    await publish(gh, "b1", "2026-11-22T10:00:00Z");
    let raced = false;
    const racing: BackupRepo = {
      head: (b) => gh.head(b),
      treeOf: (c) => gh.treeOf(c),
      listTree: (c, p) => gh.listTree(c, p),
      listFiles: (c, p) => gh.listFiles(c, p),
      readFile: (c, p) => gh.readFile(c, p),
      writes: () => gh.writes(),
      async commit(req: CommitRequest) {
        if (!raced) {
          raced = true;
          await h.octokit.rest.repos.createOrUpdateFileContents({
            owner,
            repo,
            path: "NOTES.md",
            message: "someone else\n",
            content: Buffer.from("notes\n").toString("base64"),
            branch: "main",
          });
        }
        return gh.commit(req);
      },
    };
    h.gh.resetCounts();
    const r = await publish(racing, "b2", "2026-11-22T11:00:00Z");
    const routes = h.gh.counts().byRoute;
    // First attempt: tree, commit, refused ref update; the rebuild: tree, commit, ref.
    expect(routes["PATCH /repos/{owner}/{repo}/git/refs/{ref}"]).toBe(2);
    expect(routes["POST /repos/{owner}/{repo}/git/trees"]).toBe(2);
    expect(routes["POST /repos/{owner}/{repo}/git/blobs"]).toBeUndefined();
    const clone = await cloneAndFsck(h.gh.repoPath(owner, repo));
    expect(gitOut(clone, "log", "--format=%s", "-3")).toMatch(
      /^backup db at .*\nsomeone else\nbackup db at /,
    );
    expect(gitOut(clone, "ls-tree", "--name-only", "HEAD")).toBe("NOTES.md\nbackups");
    expect(gitOut(clone, "rev-parse", "HEAD")).toBe(r.commit);
  });

  it("waits out a secondary rate limit as long as retry-after says, and succeeds", async () => {
    const lines: string[] = [];
    const name = await h.createRepo("limited", { unbornMain: true });
    const gh = await h.open(name, { waitUnitMs: 100, log: (l) => lines.push(l) });
    h.gh.faults.set({ secondaryRateLimit: 2, retryAfterSeconds: 2, writesOnly: true });
    const started = Date.now();
    const r = await publish(gh, "b1", "2026-11-22T10:00:00Z");
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(r.changed).toBe(true);
    expect(lines.filter((l) => /secondary rate limit: waiting 2 s/.test(l))).toHaveLength(2);
    expect(h.gh.faults.state().secondaryRateLimit).toBe(0);
  });

  it("keeps within the write budget: plans, says so, and waits before a write that would exceed it", async () => {
    let t = 0;
    const waits: number[] = [];
    const budget = new WriteBudget({
      perMinute: 2,
      perHour: 100,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
      onWait: (ms) => waits.push(ms),
    });
    const lines: string[] = [];
    const gh = await h.open(await h.createRepo("budget", { unbornMain: true }), {
      budget,
      log: (l) => lines.push(l),
    });
    const r = await publish(gh, "b1", "2026-11-22T10:00:00Z");
    expect(r.writes).toBe(3); // tree, commit, branch
    expect(waits).toEqual([60_000]);
    expect(lines.join("\n")).toMatch(/needs about 3 write requests; GitHub allows 2 a minute/);
  });

  it("retries 502s with backoff", async () => {
    const name = await h.createRepo("flaky", { unbornMain: true });
    const gh = await h.open(name);
    h.gh.resetCounts();
    h.gh.faults.set({ badGateway: 3, writesOnly: false });
    const r = await publish(gh, "b1", "2026-11-22T10:00:00Z");
    expect(r.changed).toBe(true);
    expect(h.gh.faults.state().badGateway).toBe(0);
    expect(await gh.head("main")).toBe(r.commit);
  });

  it("says clearly when the token cannot see the repository, may not write, or is wrong", async () => {
    const name = await h.createRepo("private", { unbornMain: true });
    const open = (token: string) =>
      GitHubBackupRepo.open({ auth: { kind: "token", token }, repository: name, apiUrl: h.gh.url });
    await expect(open("t-other")).rejects.toThrow(GitHubRepoNotFoundError);
    await expect(open("t-other")).rejects.toThrow(
      `GitHub repository ${name} not found, or the credentials cannot see it`,
    );
    await expect(open("t-read")).rejects.toThrow(GitHubPermissionError);
    await expect(open("nope")).rejects.toThrow(GitHubAuthError);
    await expect(
      GitHubBackupRepo.open({
        auth: { kind: "token", token: "t-all" },
        repository: "acme/missing",
        apiUrl: h.gh.url,
      }),
    ).rejects.toThrow(GitHubRepoNotFoundError);
  });

  it("refuses a protected branch with one clear error and leaves it as it was", async () => {
    const name = await h.createRepo("protected", { unbornMain: true });
    const [owner, repo] = name.split("/") as [string, string];
    const gh = await h.open(name);
    const first = await publish(gh, "b1", "2026-11-22T10:00:00Z");
    h.gh.protectBranch(owner, repo, "main");
    const failed = publish(gh, "b2", "2026-11-22T11:00:00Z");
    await expect(failed).rejects.toThrow(ProtectedBranchError);
    await expect(failed).rejects.toThrow(/it is protected \(Protected branch update failed/);
    expect(await gh.head("main")).toBe(first.commit);
  });

  it("publishes as a GitHub App: finds the installation, uses its token", async () => {
    const name = await h.createRepo("app", { unbornMain: true });
    const gh = await h.open(name, { auth: { kind: "app", appId: "4242", privateKey } });
    const r = await publish(gh, "b1", "2026-11-22T10:00:00Z");
    expect(await gh.head("main")).toBe(r.commit);
    await expect(
      h.open("other/none", { auth: { kind: "app", appId: "4242", privateKey } }),
    ).rejects.toThrow("the GitHub App 4242 is not installed on other/none");
  });
});
