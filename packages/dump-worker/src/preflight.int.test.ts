import type { TargetConfig } from "@tablesnap/config";
import { createScratchDatabase, freePort, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTargets } from "./preflight.ts";

const target = (name: string, databaseUrl: string, repo: string): TargetConfig => ({
  name,
  databaseUrl,
  repository: { kind: "github", owner: "acme", repo },
  branches: { defaultBranch: true, names: [] },
  repositories: "all",
  schedules: [],
  retention: { keep: 30, keepDays: 30 },
  debounceSeconds: 0,
  freshnessLimitSeconds: 86_400,
  timeLimitSeconds: 600,
  rolePasswords: false,
});

describe("checkTargets", () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase("tsnap_preflight");
  });
  afterAll(() => db?.drop());

  it("names each broken target and what is wrong, and passes the good one", async () => {
    const closed = await freePort(); // Nothing listens there.
    const checkRepo = async (r: TargetConfig["repository"]) => {
      if (r.kind === "github" && r.repo === "missing") {
        throw new Error("GitHub repository acme/missing does not exist");
      }
    };
    const checks = await checkTargets(
      [
        target("good", db.url, "backups"),
        target("nodb", `postgres://app@127.0.0.1:${closed}/app`, "backups"),
        target("norepo", db.url, "missing"),
        target("nobase", db.url.replace(/\/[^/]*$/, "/tsnap_no_such_db"), "backups"),
      ],
      checkRepo,
    );
    expect(checks).toEqual([
      { target: "good" },
      {
        target: "nodb",
        problem: expect.stringContaining(`cannot reach PostgreSQL at 127.0.0.1:${closed}`),
      },
      { target: "norepo", problem: "GitHub repository acme/missing does not exist" },
      {
        target: "nobase",
        problem: expect.stringMatching(/database "tsnap_no_such_db" does not exist/),
      },
    ]);
  });
});
