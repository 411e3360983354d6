import type { TargetConfig } from "@tablesnap/config";
import { createScratchDatabase, freePort, type ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTarget } from "../test/pipeline.ts";
import { checkTargets } from "./preflight.ts";

const target = (name: string, databaseUrl: string, repo: string) =>
  testTarget(name, databaseUrl, { kind: "github", owner: "acme", repo });

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

describe("checkTargets bounded", () => {
  it("names a target whose checks do not finish within the bound", async () => {
    const db = await createScratchDatabase("tsnap_preflight_slow");
    try {
      const never = () => new Promise<void>(() => {}); // A repository host that never answers.
      const started = Date.now();
      const checks = await checkTargets([target("slow", db.url, "backups")], never, undefined, 300);
      expect(checks).toEqual([
        { target: "slow", problem: "the checks did not finish within 0.3 s" },
      ]);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await db.drop();
    }
  });
});
