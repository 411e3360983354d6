import { rm } from "node:fs/promises";
import { parseManifest } from "@tablesnap/core";
import type { ScratchDatabase } from "@tablesnap/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "./cli.ts";
import { sendPush, WEBHOOK_SECRET } from "./e2e/harness.ts";
import { type CliGitHub, cloneAndFsck, TOKEN } from "./github.ts";
import { join_parent, newestEndedRun, type Rig, startRig, stopWithSigterm } from "./serve-rig.ts";

const TABLES = { users: 500, events: 200, empty: 0 } as const;

describe("tablesnap serve, end to end", () => {
  let rig: Rig | undefined;
  let source: ScratchDatabase;
  let h: CliGitHub;
  let logs = () => "";
  let base: string;
  let repo: string;

  beforeAll(async () => {
    rig = await startRig("srv", (gh) => gh.createRepo("backups"));
    ({ source, h, repo } = rig);
    ({ base, logs } = rig.serve);
  }, 60_000);
  afterAll(() => rig?.stop(), 60_000);

  it("turns a signed push webhook into a published commit, and stops on SIGTERM", async () => {
    const hook = await sendPush(base);
    expect(hook.status, `${hook.body}\n${logs()}`).toBeLessThan(300);

    const run = await newestEndedRun((rig as Rig).serve, 90_000);
    expect(run.status, logs()).toBe("succeeded");

    const clone = await cloneAndFsck(h.bare(repo));
    try {
      // An empty repository first gets its README commit, then the run's one backup commit.
      expect(await git(clone, "rev-list", "--count", "HEAD")).toBe("2");
      expect((run.commit as { sha?: unknown } | undefined)?.sha, JSON.stringify(run)).toBe(
        await git(clone, "rev-parse", "HEAD"),
      );
      const link = await git(clone, "show", "HEAD:backups/latest/latest");
      const manifest = parseManifest(
        await git(clone, "show", `HEAD:backups/latest/${link}/manifest.json`),
      );
      const counts: Record<string, number> = {};
      for (const name of Object.keys(TABLES)) {
        const [row] = await source.sql.unsafe(`SELECT count(*)::int AS n FROM "${name}"`);
        counts[`public.${name}`] = Number(row?.["n"]);
      }
      const rows = Object.fromEntries(
        manifest.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]),
      );
      expect(rows).toEqual(counts);
      expect(counts).toEqual({ "public.users": 500, "public.events": 200, "public.empty": 0 });
    } finally {
      await rm(join_parent(clone), { recursive: true, force: true });
    }

    const code = await stopWithSigterm((rig as Rig).serve);
    expect(code, logs()).toBe(0);
    expect(logs()).toContain('"msg":"stopped"');
    expect(logs()).not.toContain(WEBHOOK_SECRET);
    expect(logs()).not.toContain(TOKEN);
  }, 150_000);
});

describe("tablesnap serve with a backup repository that does not exist", () => {
  let rig: Rig | undefined;
  // The emulator has no such repository: every publish fails.
  beforeAll(async () => {
    rig = await startRig("srvf", async () => "acme/missing");
  }, 60_000);
  afterAll(() => rig?.stop(), 60_000);

  it("fails the run naming the repository before dumping, and still stops on SIGTERM", async () => {
    const s = (rig as Rig).serve;
    const hook = await sendPush(s.base);
    expect(hook.status, `${hook.body}\n${s.logs()}`).toBeLessThan(300);
    const run = await newestEndedRun(s, 90_000);
    expect(run.status).toBe("failed");
    expect(JSON.stringify(run)).toMatch(
      /the backup repository cannot be used, so nothing was dumped: GitHub repository acme\/missing does not exist/,
    );
    // Found before the dump: no snapshot was taken.
    expect(s.logs()).not.toContain('"msg":"run planned"');
    const code = await stopWithSigterm(s);
    expect(code, s.logs()).toBe(0);
  }, 150_000);
});

describe("tablesnap serve after a failed publish", () => {
  let rig: Rig | undefined;
  // The repository exists (the check before the dump passes) but its branch is protected: the
  // dump succeeds and the publish fails.
  beforeAll(async () => {
    rig = await startRig("srvp", async (h) => {
      const repo = await h.createRepo("protected");
      const [owner = "", name = ""] = repo.split("/");
      h.gh.protectBranch(owner, name, "main");
      return repo;
    });
  }, 60_000);
  afterAll(() => rig?.stop(), 60_000);

  it("fails the run naming the protected branch, then exits 0 on SIGTERM", async () => {
    const s = (rig as Rig).serve;
    const hook = await sendPush(s.base);
    expect(hook.status, `${hook.body}\n${s.logs()}`).toBeLessThan(300);
    const run = await newestEndedRun(s, 120_000);
    expect(run.status).toBe("failed");
    expect(run.error ?? "").toMatch(/protected/);
    // The dump ran: the failure is the publish's.
    expect(s.logs()).toContain('"msg":"run dumped"');
    const sent = Date.now();
    const code = await stopWithSigterm(s);
    expect(code, s.logs()).toBe(0);
    expect(Date.now() - sent).toBeLessThan(20_000);
  }, 180_000);
});
