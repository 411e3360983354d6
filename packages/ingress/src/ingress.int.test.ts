import { randomBytes } from "node:crypto";
import { type Message, NatsBus } from "@tablesnap/bus";
import { deleteStreams, until } from "@tablesnap/testing";
import { afterAll, describe, expect, it } from "vitest";
import { envConfig, githubRequest, silent } from "../test/fixtures.ts";
import { NATS_URL, ownNatsServer } from "../test/nats.ts";
import { ingressApp } from "./app.ts";

const push = JSON.stringify({
  ref: "refs/heads/main",
  after: "b".repeat(40),
  repository: { full_name: "acme/api", default_branch: "main" },
  pusher: { name: "octocat" },
});

describe("ingress with a real NatsBus", () => {
  const prefix = `http_${randomBytes(4).toString("hex")}`;
  const bus = new NatsBus({ servers: NATS_URL, prefix, logger: silent });
  afterAll(async () => {
    await bus.close();
    await deleteStreams(NATS_URL, prefix);
  });

  it("puts a signed push into the trigger stream, once per delivery", async () => {
    await bus.ensureStreams();
    const app = ingressApp({ config: envConfig(), bus, logger: silent });
    const delivery = crypto.randomUUID();
    const res = await app.request(await githubRequest(push, { delivery }));
    expect(res.status).toBe(202);
    const again = await app.request(await githubRequest(push, { delivery }));
    expect(
      ((await again.json()) as { triggers: { duplicate: boolean }[] }).triggers[0],
    ).toMatchObject({
      duplicate: true,
    });
    const got: Message<"trigger">[] = [];
    const sub = await bus.consume("trigger", { durable: "int-test" }, (m) => {
      got.push(m);
    });
    await until("the trigger", async () => got.length === 1);
    await sub.stop();
    expect(got[0]).toMatchObject({
      id: delivery,
      source: "acme/api",
      event: "push",
      ref: "b".repeat(40),
    });
    expect((await bus.backlog("trigger", "int-test")).pending).toBe(0);
  });
});

describe("ingress while its NATS goes away and comes back", () => {
  it("answers 503 while NATS is down and 202 again once it is back", async () => {
    const server = await ownNatsServer();
    const bus = new NatsBus({ servers: server.url, prefix: "outage", logger: silent });
    try {
      await bus.ensureStreams();
      const app = ingressApp({ config: envConfig(), bus, logger: silent });
      expect((await app.request(await githubRequest(push))).status).toBe(202);
      await server.kill();
      const down = await app.request(await githubRequest(push));
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBeTruthy();
      await server.start();
      await until(
        "a 202 after NATS restarted",
        async () => (await app.request(await githubRequest(push))).status === 202,
        30_000,
      );
    } finally {
      await bus.close();
      await server.dispose();
    }
  });
});
