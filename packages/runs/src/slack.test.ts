import type { RunWithTriggers, TriggerRecord } from "@tablesnap/state";
import { describe, expect, it } from "vitest";
import { outcomeText, reportOutcome } from "./slack.ts";
import { silentLogger } from "./types.ts";

function run(responseUrls: (string | null)[]): RunWithTriggers {
  const triggers = responseUrls.map(
    (responseUrl, i): TriggerRecord => ({
      id: `t${i}`,
      target: "default",
      source: "slack",
      event: "manual",
      ref: "alice",
      actor: "alice",
      note: null,
      responseUrl,
      receivedAt: new Date(),
      runId: "r1",
    }),
  );
  return { id: "r1", target: "default", triggers } as unknown as RunWithTriggers;
}

function recorder(status = 200) {
  const posts: { url: string; text: string }[] = [];
  const f = (async (url: string | URL | Request, init?: RequestInit) => {
    posts.push({ url: String(url), text: JSON.parse(String(init?.body)).text });
    return new Response("", { status });
  }) as typeof fetch;
  return { posts, f };
}

describe("outcomeText", () => {
  it("says an unchanged run matched a commit and committed nothing", () => {
    const text = outcomeText(
      { id: "r9", target: "app" },
      {
        ...{ status: "unchanged", commitSha: "0123456789abcdef", folder: "backups/latest/l" },
        ...{ commitUrl: "https://github.com/a/b/commit/0123456789abcdef", changed: false },
      },
    );
    expect(text).toBe(
      ":white_check_mark: tablesnap backup of *app*: nothing changed since <https://github.com/a/b/commit/0123456789abcdef|0123456> (`backups/latest/l`), nothing committed (run r9)",
    );
  });
});

describe("reportOutcome", () => {
  it("answers each Slack command once and leaves the failure webhook out of a success", async () => {
    const { posts, f } = recorder();
    const outcome = {
      status: "succeeded",
      commitSha: "0123456789abcdef",
      commitUrl: "https://github.com/a/b/commit/0123456789abcdef",
      folder: "backups/latest/latest_x",
      changed: true,
    } as const;
    await reportOutcome(
      { webhookUrl: "https://hooks/fail", fetch: f },
      run(["https://slack/r/1", "https://slack/r/1", null]),
      outcome,
      silentLogger,
    );
    expect(posts.map((p) => p.url)).toEqual(["https://slack/r/1"]);
    expect(posts[0]?.text).toContain("0123456");
  });

  it("tells the failure webhook and the commands of a failed run, and never throws", async () => {
    const { posts, f } = recorder(500);
    await reportOutcome(
      { webhookUrl: "https://hooks/fail", fetch: f },
      run(["https://slack/r/2"]),
      { status: "failed", error: "tables failed: public.users: boom" },
      silentLogger,
    );
    expect(posts.map((p) => p.url).sort()).toEqual(["https://hooks/fail", "https://slack/r/2"]);
    expect(posts[0]?.text).toContain("boom");
  });
});
