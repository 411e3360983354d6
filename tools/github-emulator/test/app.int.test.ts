import { generateKeyPairSync } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64, checkedOctokit, type Harness, startHarness, TOKEN } from "./helpers.ts";

const keys = () =>
  generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });

describe("GitHub App: JWT, installations, installation tokens", () => {
  const { privateKey, publicKey } = keys();
  const appId = 4242;
  let clock = Date.now();
  let h: Harness;
  const appOctokit = () =>
    checkedOctokit(h.gh.url, { authStrategy: createAppAuth, auth: { appId, privateKey } });

  beforeAll(async () => {
    h = await startHarness({
      now: () => clock,
      app: {
        id: appId,
        publicKey,
        installations: [
          { id: 42, account: "acme" },
          { id: 43, account: "other", repositories: ["one"] },
        ],
      },
    });
    for (const [org, name] of [
      ["acme", "a"],
      ["other", "one"],
      ["other", "two"],
    ] as const)
      await h.octokit.rest.repos.createInOrg({ org, name, auto_init: true });
  });
  afterAll(() => h.close());

  it("finds the installation of a repository with an app JWT (Octokit's createAppAuth)", async () => {
    const { data } = await appOctokit().rest.apps.getRepoInstallation({ owner: "acme", repo: "a" });
    expect(data).toMatchObject({
      id: 42,
      app_id: appId,
      account: { login: "acme" },
      repository_selection: "all",
    });
    await expect(
      appOctokit().rest.apps.getRepoInstallation({ owner: "other", repo: "two" }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("issues installation tokens that write to the installation's repositories", async () => {
    const octokit = checkedOctokit(h.gh.url, {
      authStrategy: createAppAuth,
      auth: { appId, privateKey, installationId: 42 },
    });
    const put = await octokit.rest.repos.createOrUpdateFileContents({
      owner: "acme",
      repo: "a",
      path: "from-app.txt",
      message: "by the app",
      content: b64("app\n"),
    });
    expect(put.status).toBe(201);
    expect(put.data.commit.author?.name).toBe(`emulator-app-${appId}[bot]`);
    await expect(octokit.rest.repos.get({ owner: "other", repo: "one" })).rejects.toMatchObject({
      status: 404,
    });
  });

  it("narrows tokens to requested repositories and refuses others (422); tokens expire (401)", async () => {
    const app = appOctokit();
    const { data } = await app.rest.apps.createInstallationAccessToken({
      installation_id: 43,
      repositories: ["one"],
    });
    expect(data).toMatchObject({
      token: expect.stringMatching(/^ghs_/),
      repository_selection: "selected",
    });
    expect(data.repositories?.map((r) => r.full_name)).toEqual(["other/one"]);
    const lifetime = Date.parse(data.expires_at) - clock; // expires_at has whole seconds
    expect(lifetime).toBeGreaterThan(3599_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);
    const scoped = h.octokitWith(data.token);
    await expect(scoped.rest.repos.get({ owner: "other", repo: "one" })).resolves.toMatchObject({
      status: 200,
    });
    await expect(scoped.rest.repos.get({ owner: "other", repo: "two" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      app.rest.apps.createInstallationAccessToken({ installation_id: 43, repositories: ["two"] }),
    ).rejects.toMatchObject({
      status: 422,
    });
    await expect(
      app.rest.apps.createInstallationAccessToken({ installation_id: 99 }),
    ).rejects.toMatchObject({ status: 404 });
    clock += 3601_000;
    try {
      await expect(scoped.rest.repos.get({ owner: "other", repo: "one" })).rejects.toMatchObject({
        status: 401,
        response: { data: { message: "Bad credentials" } },
      });
    } finally {
      clock = Date.now();
    }
  });

  it("checks the JWT: its signature, and that app endpoints need one", async () => {
    const stranger = keys().privateKey;
    const forged = checkedOctokit(h.gh.url, {
      authStrategy: createAppAuth,
      auth: { appId, privateKey: stranger },
    });
    await expect(
      forged.rest.apps.getRepoInstallation({ owner: "acme", repo: "a" }),
    ).rejects.toMatchObject({
      status: 401,
      response: { data: { message: "A JSON web token could not be decoded" } },
    });
    const wrongApp = checkedOctokit(h.gh.url, {
      authStrategy: createAppAuth,
      auth: { appId: 1, privateKey },
    });
    await expect(
      wrongApp.rest.apps.getRepoInstallation({ owner: "acme", repo: "a" }),
    ).rejects.toMatchObject({ status: 401 });
    await expect(
      h.octokitWith(TOKEN).rest.apps.getRepoInstallation({ owner: "acme", repo: "a" }),
    ).rejects.toMatchObject({
      status: 401,
      response: { data: { message: "A JSON web token could not be decoded" } },
    });
  });
});

describe("GitHub App webhook deliveries", () => {
  const { privateKey } = keys(); // the emulator is given the private key: its public half checks
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ app: { id: 7, privateKey } });
    for (let i = 1; i <= 5; i++)
      h.gh.addDelivery({
        event: "push",
        guid: `guid-${i}`,
        statusCode: i % 2 === 0 ? 502 : 200,
        installationId: 1,
        repositoryId: 2,
      });
  });
  afterAll(() => h.close());
  const app = () =>
    checkedOctokit(h.gh.url, { authStrategy: createAppAuth, auth: { appId: 7, privateKey } });

  it("lists deliveries newest first, a page at a time with a cursor, filtered by status", async () => {
    const first = await app().rest.apps.listWebhookDeliveries({ per_page: 2 });
    expect(first.data.map((d) => d.guid)).toEqual(["guid-5", "guid-4"]);
    expect(first.headers.link).toMatch(/cursor=v1_\d+>; rel="next"$/);
    const all = await app().paginate(app().rest.apps.listWebhookDeliveries, { per_page: 2 });
    expect(all.map((d) => d.guid)).toEqual(["guid-5", "guid-4", "guid-3", "guid-2", "guid-1"]);
    const failed = await app().rest.apps.listWebhookDeliveries({ status: "failure" });
    expect(failed.data.map((d) => d.guid)).toEqual(["guid-4", "guid-2"]);
  });

  it("redelivers a delivery (202) as a new attempt with the same guid", async () => {
    const [failed] = (
      await app().rest.apps.listWebhookDeliveries({ status: "failure", per_page: 1 })
    ).data;
    const id = failed?.id ?? 0;
    const full = await app().rest.apps.getWebhookDelivery({ delivery_id: id });
    expect(full.data).toMatchObject({
      guid: "guid-4",
      status_code: 502,
      request: { headers: { "X-GitHub-Event": "push" } },
    });
    expect((await app().rest.apps.redeliverWebhookDelivery({ delivery_id: id })).status).toBe(202);
    const [newest] = (await app().rest.apps.listWebhookDeliveries({ per_page: 1 })).data;
    expect(newest).toMatchObject({ guid: "guid-4", redelivery: true, status_code: 200 });
    expect(h.gh.deliveries().filter((d) => d.guid === "guid-4")).toHaveLength(2);
    await expect(
      app().rest.apps.redeliverWebhookDelivery({ delivery_id: 1 }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
