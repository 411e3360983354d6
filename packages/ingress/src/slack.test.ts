import { MemoryStateStore } from "@tablesnap/state";
import { describe, expect, it } from "vitest";
import {
  busWithInbox,
  envConfig,
  multiConfig,
  NOW,
  silent,
  slackRequest,
} from "../test/fixtures.ts";
import { ingressApp } from "./app.ts";

const command = (text: string, extra: Record<string, string> = {}) => ({
  command: "/backup",
  text,
  user_id: "U1",
  user_name: "alice",
  trigger_id: `tr-${crypto.randomUUID()}`,
  response_url: "https://hooks.slack.com/commands/T1/123/secret",
  ...extra,
});

async function setup(config = envConfig(), state?: MemoryStateStore) {
  const { bus, inbox } = await busWithInbox();
  const app = ingressApp({ config, bus, state, now: () => NOW, logger: silent });
  return { app, bus, inbox };
}

describe("POST /slack/commands", () => {
  it("queues /backup with a note, keeping response_url, and answers ephemerally", async () => {
    const { app, inbox } = await setup();
    const fields = command("note: before the migration");
    const res = await app.request(slackRequest(fields));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response_type: string; text: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain(`queued (trigger ${fields.trigger_id})`);
    await expect.poll(() => inbox.length).toBe(1);
    expect(inbox[0]).toMatchObject({
      id: fields.trigger_id,
      target: "default",
      source: "slack",
      event: "manual",
      actor: "alice",
      note: "before the migration",
      response_url: fields.response_url,
    });
  });

  it("takes the first word as the target when it names one", async () => {
    const { app, inbox } = await setup(multiConfig());
    const res = await app.request(slackRequest(command("billing note:hotfix")));
    expect(res.status).toBe(200);
    await expect.poll(() => inbox.length).toBe(1);
    expect(inbox[0]).toMatchObject({ target: "billing", note: "hotfix" });
    const ambiguous = await app.request(slackRequest(command("")));
    expect(((await ambiguous.json()) as { text: string }).text).toMatch(/Name a target/);
  });

  it("answers /backup help with the usage, and queues nothing for a word that is no target", async () => {
    const { app, inbox } = await setup(multiConfig());
    const help = await app.request(slackRequest(command("help")));
    const text = ((await help.json()) as { text: string }).text;
    expect(text).toContain("/backup <");
    expect(text).toContain("[note: why]");
    const stray = await app.request(slackRequest(command("billing hotfix")));
    expect(((await stray.json()) as { text: string }).text).toMatch(
      /^Nothing queued: "hotfix" is not a target\./,
    );
    const typo = await app.request(slackRequest(command("biling")));
    expect(((await typo.json()) as { text: string }).text).toMatch(/"biling" is not a target/);
    // Give it a moment: nothing may arrive.
    await new Promise((r) => setTimeout(r, 100));
    expect(inbox).toHaveLength(0);
  });

  it("says a timestamp from the future is from the future, not old", async () => {
    const { app } = await setup();
    const res = await app.request(
      slackRequest(command(""), { at: new Date(NOW.getTime() + 600_000) }),
    );
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("future");
    expect(body.error.message).toContain("600 s in the future");
  });

  it.each([
    ["a wrong secret", { secret: "other" }],
    ["a request older than 5 minutes", { at: new Date(NOW.getTime() - 301_000) }],
    ["a signature from the future", { at: new Date(NOW.getTime() + 301_000) }],
    ["a garbled signature", { signature: "v0=00" }],
  ])("refuses %s with 401", async (_n, options) => {
    const { app, inbox } = await setup();
    const res = await app.request(slackRequest(command(""), options));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { request_id: string } }).error.request_id).toBeTruthy();
    expect(inbox).toHaveLength(0);
  });

  it("answers 415 for JSON and 503 while the bus is down", async () => {
    const { app, bus } = await setup();
    const req = slackRequest(command(""));
    req.headers.set("content-type", "application/json");
    expect((await app.request(req)).status).toBe(415);
    bus.setAvailable(false);
    const down = await app.request(slackRequest(command("")));
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBeTruthy();
  });

  it("answers /backup status with the last runs, without response_url", async () => {
    const state = new MemoryStateStore();
    await state.recordTrigger(
      {
        id: "t1",
        target: "default",
        source: "slack",
        event: "manual",
        ref: "alice",
        responseUrl: "https://hooks.slack.com/commands/T1/1/secret",
        receivedAt: NOW,
      },
      { debounceSeconds: 0, now: NOW },
    );
    const { app } = await setup(envConfig(), state);
    const res = await app.request(slackRequest(command("status")));
    const body = (await res.json()) as { text: string };
    expect(res.status).toBe(200);
    expect(body.text).toContain("*default*: last 1 runs");
    expect(body.text).toContain("pending");
    expect(body.text).not.toContain("hooks.slack.com");
    const unknown = await app.request(slackRequest(command("status nope")));
    expect(((await unknown.json()) as { text: string }).text).toMatch(/Unknown target nope/);
  });
});
