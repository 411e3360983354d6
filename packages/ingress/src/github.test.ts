import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { describe, expect, it } from "vitest";
import {
  busWithInbox,
  envConfig,
  githubRequest,
  multiConfig,
  NOW,
  SECRETS,
  silent,
} from "../test/fixtures.ts";
import { ingressApp } from "./app.ts";

// The package is one JSON file: required, so it loads the same under every runtime.
const examples = createRequire(import.meta.url)(
  "@octokit/webhooks-examples",
) as WebhookDefinition[];

type Payload = Record<string, unknown> & {
  ref?: string;
  deleted?: boolean;
  action?: string;
  repository: { default_branch: string; full_name: string };
  pull_request?: { merged: boolean; base: { ref: string }; merge_commit_sha: string | null };
};

const examplesOf = (name: string) =>
  (examples.find((d) => d.name === name)?.examples ?? []) as unknown as Payload[];

/** Independent of the code under test: default branch or `dev` (the env target's rules). */
function expected(event: "push" | "pull_request", p: Payload): boolean {
  const backed = (b: string) => b === p.repository.default_branch || b === "dev";
  if (event === "push") {
    return (
      p.ref?.startsWith("refs/heads/") === true && p.deleted !== true && backed(p.ref.slice(11))
    );
  }
  const pr = p.pull_request;
  return p.action === "closed" && pr?.merged === true && backed(pr.base.ref);
}

async function setup(config = envConfig()) {
  const { bus, inbox } = await busWithInbox();
  const app = ingressApp({ config, bus, now: () => NOW, logger: silent });
  return { app, bus, inbox };
}

describe("POST /webhooks/github with GitHub's example payloads", () => {
  const push = examplesOf("push");
  const closed = examplesOf("pull_request").filter((p) => p.action === "closed");
  // The examples hold no merged pull request: add merged variants of the closed ones.
  const merged = closed.map((p) => ({
    ...p,
    pull_request: { ...p.pull_request, merged: true, merge_commit_sha: "f".repeat(40) },
  })) as Payload[];
  const cases = [
    ...push.map((p) => ["push", p] as const),
    ...examplesOf("pull_request").map((p) => ["pull_request", p] as const),
    ...merged.map((p) => ["pull_request", p] as const),
  ];

  it("has examples of every kind the rules distinguish", () => {
    expect(push.length).toBeGreaterThanOrEqual(5);
    expect(cases.filter(([e, p]) => expected(e, p)).length).toBeGreaterThanOrEqual(2);
    expect(cases.filter(([e, p]) => !expected(e, p)).length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases.map(([e, p], i) => [i, e, p] as const))(
    "example %i (%s) triggers or is ignored as the rules say",
    async (_i, event, payload) => {
      const { app, inbox } = await setup();
      const delivery = crypto.randomUUID();
      const res = await app.request(
        await githubRequest(JSON.stringify(payload), { event, delivery }),
      );
      const body = (await res.json()) as Record<string, unknown>;
      if (expected(event, payload)) {
        expect(res.status).toBe(202);
        await expect.poll(() => inbox.length).toBe(1);
        const t = inbox[0];
        expect(t?.id).toBe(delivery);
        expect(t?.event).toBe(event === "push" ? "push" : "pr");
        expect(t?.source).toBe(payload.repository.full_name);
        expect(t?.ref).toBe(event === "push" ? payload["after"] : "f".repeat(40));
        expect(t?.actor).toBeTruthy();
      } else {
        expect(res.status).toBe(200);
        expect(body["ignored"]).toBe(true);
        expect(typeof body["reason"]).toBe("string");
        expect(inbox).toHaveLength(0);
      }
    },
  );
});

const pushTo = (branch: string, repo = "acme/api") =>
  JSON.stringify({
    ref: `refs/heads/${branch}`,
    after: "a".repeat(40),
    deleted: false,
    repository: { full_name: repo, default_branch: "main" },
    pusher: { name: "octocat" },
    sender: { login: "octocat" },
  });

describe("POST /webhooks/github", () => {
  it("answers ping 200", async () => {
    const { app } = await setup();
    const res = await app.request(await githubRequest('{"zen":"hi"}', { event: "ping" }));
    expect(res.status).toBe(200);
  });

  it("accepts every configured secret (rotation)", async () => {
    const { app, inbox } = await setup();
    for (const secret of SECRETS.github) {
      const res = await app.request(await githubRequest(pushTo("main"), { secret }));
      expect(res.status).toBe(202);
    }
    await expect.poll(() => inbox.length).toBe(2);
  });

  it.each([
    ["a wrong secret", { secret: "nope" }],
    ["no signature", { secret: null }],
    ["a malformed signature", { signature: "sha256=zz" }],
  ])("refuses %s with 401 and queues nothing", async (_n, options) => {
    const { app, inbox } = await setup();
    const res = await app.request(await githubRequest(pushTo("main"), options));
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: Record<string, string> };
    expect(body.error["code"]).toBe("unauthorized");
    expect(body.error["request_id"]).toBe(res.headers.get("x-request-id"));
    expect(inbox).toHaveLength(0);
  });

  it("gives one message for a delivery sent twice", async () => {
    const { app, inbox } = await setup();
    const delivery = crypto.randomUUID();
    const first = await app.request(await githubRequest(pushTo("dev"), { delivery }));
    const second = await app.request(await githubRequest(pushTo("dev"), { delivery }));
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(
      ((await second.json()) as { triggers: { duplicate: boolean }[] }).triggers[0]?.duplicate,
    ).toBe(true);
    await expect.poll(() => inbox.length).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(inbox).toHaveLength(1);
  });

  it("answers 503 with retry-after while the bus is down, 202 once it is back", async () => {
    const { app, bus, inbox } = await setup();
    bus.setAvailable(false);
    const delivery = crypto.randomUUID();
    const down = await app.request(await githubRequest(pushTo("main"), { delivery }));
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe("bus_unavailable");
    bus.setAvailable(true);
    const up = await app.request(await githubRequest(pushTo("main"), { delivery }));
    expect(up.status).toBe(202);
    await expect.poll(() => inbox.length).toBe(1);
  });

  it("makes one trigger per matching target, with ids delivery:target", async () => {
    const { app, inbox } = await setup(multiConfig());
    const delivery = "d-1";
    const res = await app.request(
      await githubRequest(pushTo("main", "acme/web-shop"), { delivery }),
    );
    expect(res.status).toBe(202);
    await expect.poll(() => inbox.length).toBe(2);
    expect(inbox.map((t) => t.id).sort()).toEqual(["d-1:app", "d-1:web"]);
    const release = await app.request(
      await githubRequest(pushTo("release/1.2"), { delivery: "d-2" }),
    );
    expect(release.status).toBe(202);
    await expect.poll(() => inbox.map((t) => t.id)).toContain("d-2");
  });

  it("ignores pushes to other branches, tags, deletions and other events with a reason", async () => {
    const { app, inbox } = await setup();
    const bodies: [string, string][] = [
      ["push", pushTo("feature/x")],
      ["push", pushTo("main").replace("refs/heads/main", "refs/tags/v1")],
      ["push", pushTo("main").replace('"deleted":false', '"deleted":true')],
      ["issues", '{"action":"opened"}'],
    ];
    for (const [event, body] of bodies) {
      const res = await app.request(await githubRequest(body, { event }));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { reason: string }).reason).toMatch(/\w/);
    }
    expect(inbox).toHaveLength(0);
  });

  it("answers 400 for signed but malformed JSON, and missing delivery headers", async () => {
    const { app } = await setup();
    expect((await app.request(await githubRequest("{nope"))).status).toBe(400);
    const req = await githubRequest(pushTo("main"));
    req.headers.delete("x-github-delivery");
    expect((await app.request(req)).status).toBe(400);
  });

  it("answers 415 for another content type", async () => {
    const { app } = await setup();
    const req = await githubRequest(pushTo("main"));
    req.headers.set("content-type", "text/plain");
    expect((await app.request(req)).status).toBe(415);
  });

  it("answers 413 for a declared or streamed body over 25 MB", async () => {
    const { app } = await setup();
    const declared = await githubRequest(pushTo("main"));
    declared.headers.set("content-length", String(26 * 1024 * 1024));
    expect((await app.request(declared)).status).toBe(413);
    const big = new Uint8Array(25 * 1024 * 1024 + 1).fill(32);
    const streamed = new Request("http://ingress/webhooks/github", {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push" },
      body: new ReadableStream({
        start(c) {
          c.enqueue(big);
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    const res = await app.request(streamed);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "payload_too_large",
    );
  });
});
