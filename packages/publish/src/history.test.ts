import { describe, expect, it } from "vitest";
import { BranchMovedError } from "./errors.ts";
import { pruneHistory } from "./history.ts";
import { MemoryBackupRepo } from "./memory/memory-repo.ts";

const NOW = new Date("2026-12-04T12:00:00Z");
const DAY = 86_400_000;

/** A branch of `n` commits, one a day, the newest `NOW`; each with its own tree. */
async function history(n: number) {
  const repo = new MemoryBackupRepo();
  const shas: string[] = [];
  for (let i = 0; i < n; i++) {
    const tree = repo.db.putTree([
      { name: "n", mode: "100644", sha: repo.db.put("blob", Buffer.from(`backup ${i}\n`)) },
    ]);
    const date = new Date(NOW.getTime() - (n - 1 - i) * DAY).toISOString().replace(".000Z", "Z");
    const who = { name: "tablesnap", email: "t@example.com", date };
    const sha = await repo.writeCommit({
      ...{ tree, parents: shas.length ? [shas.at(-1) ?? ""] : [], message: `backup ${i}\n` },
      ...{ author: who, committer: { ...who, date: date.replace("Z", "+02:00") } },
    });
    shas.push(sha);
  }
  await repo.forceBranch("main", shas.at(-1) ?? "", null);
  return { repo, shas };
}

async function chain(repo: MemoryBackupRepo, head: string) {
  const out = [];
  for (let s: string | undefined = head; s; ) {
    const c = await repo.commitInfo(s);
    out.push(c);
    s = c.parents[0];
  }
  return out;
}

/** `repo`, where `meanwhile` runs before each forced move of a branch. */
function beforeForce(repo: MemoryBackupRepo, meanwhile: () => Promise<void>) {
  return {
    head: (b: string) => repo.head(b),
    commitInfo: (sha: string) => repo.commitInfo(sha),
    writeCommit: (c: Parameters<typeof repo.writeCommit>[0]) => repo.writeCommit(c),
    forceBranch: async (branch: string, sha: string, expected: string | null) => {
      await meanwhile();
      return repo.forceBranch(branch, sha, expected);
    },
  };
}

const base = { branch: "main", keepDays: 0, historyBranch: null, now: NOW };

describe("pruneHistory", () => {
  it("keeps the newest commits on a new root, each with its tree, message, author and dates", async () => {
    const { repo, shas } = await history(10);
    const before = await chain(repo, shas[9] ?? "");
    const r = await pruneHistory(repo, { ...base, keep: 3 });
    expect(r).toMatchObject({ kept: 3, squashed: 7, oldHead: shas[9], historyBranch: null });
    const after = await chain(repo, (await repo.head("main")) ?? "");
    expect(after).toHaveLength(3);
    expect(after.at(-1)?.parents).toEqual([]);
    for (const [i, c] of after.entries()) {
      const was = before[i];
      expect({ ...c, sha: "", parents: [] }).toEqual({
        ...was,
        sha: "",
        parents: [],
        message:
          i === 2 ? expect.stringContaining("History squashed by tablesnap prune") : was?.message,
      });
      expect(c.committer.date).toMatch(/\+02:00$/);
    }
    expect(after[2]?.message).toContain(`The 7 commit(s) before ${shas[7]}`);
    expect(after[2]?.message.startsWith("backup 7\n")).toBe(true);
  });

  it("keeps every commit younger than keepDays, and at least keep", async () => {
    const { repo } = await history(10);
    expect(await pruneHistory(repo, { ...base, keep: 1, keepDays: 4.5 })).toMatchObject({
      kept: 5,
      squashed: 5,
    });
    const { repo: again } = await history(10);
    expect(await pruneHistory(again, { ...base, keep: 6, keepDays: 2 })).toMatchObject({
      kept: 6,
      squashed: 4,
    });
  });

  it("changes nothing when the history is within the retention, or on a dry run", async () => {
    const { repo, shas } = await history(4);
    expect(await pruneHistory(repo, { ...base, keep: 4 })).toMatchObject({
      kept: 4,
      squashed: 0,
      newHead: shas[3],
    });
    const dry = await pruneHistory(repo, { ...base, keep: 2, dryRun: true });
    expect(dry).toMatchObject({ kept: 2, squashed: 2, newHead: shas[3] });
    expect(await repo.head("main")).toBe(shas[3]);
    expect(await pruneHistory(new MemoryBackupRepo(), { ...base, keep: 2 })).toMatchObject({
      kept: 0,
      squashed: 0,
      oldHead: null,
    });
  });

  it("keeps the old history on a branch when asked", async () => {
    const { repo, shas } = await history(5);
    const r = await pruneHistory(repo, { ...base, keep: 2, historyBranch: "old" });
    expect(await repo.head("old")).toBe(shas[4]);
    expect(r.historyBranch).toBe("old");
    expect((await chain(repo, shas[4] ?? "")).length).toBe(5);
  });

  it("moves the branch only if no backup was committed meanwhile", async () => {
    const { repo, shas } = await history(5);
    const moved = beforeForce(repo, async () => {
      await repo.forceBranch("main", shas[2] ?? "", shas[4] ?? ""); // the branch is replaced
    });
    await expect(pruneHistory(moved, { ...base, keep: 2 })).rejects.toThrow(BranchMovedError);
    expect(await repo.head("main")).toBe(shas[2]); // replaced meanwhile: left as it was
  });

  it("writes a backup committed meanwhile on top of the new history", async () => {
    const { repo, shas } = await history(5);
    const top = await repo.commitInfo(shas[4] ?? "");
    let landed = "";
    const busy = beforeForce(repo, async () => {
      if (landed) return;
      landed = await repo.writeCommit({ ...top, parents: [top.sha], message: "backup 5\n" });
      await repo.forceBranch("main", landed, top.sha); // a backup lands
    });
    const r = await pruneHistory(busy, { ...base, keep: 2 });
    const after = await chain(repo, (await repo.head("main")) ?? "");
    expect(after.map((c) => c.message.split("\n")[0])).toEqual([
      "backup 5",
      "backup 4",
      "backup 3",
    ]);
    expect(after.at(-1)?.parents).toEqual([]);
    expect(r.newHead).toBe(after[0]?.sha);
    expect(r.kept).toBe(3);
  });

  it("stops between two commits when its signal aborts, the branch unchanged", async () => {
    const { repo, shas } = await history(5);
    const signal = AbortSignal.abort(new Error("time limit"));
    await expect(pruneHistory(repo, { ...base, keep: 2, signal })).rejects.toThrow("time limit");
    expect(await repo.head("main")).toBe(shas[4]);
  });

  it("refuses a branch with a merge in the part it keeps", async () => {
    const { repo, shas } = await history(4);
    const head = await repo.commitInfo(shas[3] ?? "");
    const merge = await repo.writeCommit({ ...head, parents: [shas[3] ?? "", shas[1] ?? ""] });
    await repo.forceBranch("main", merge, shas[3] ?? "");
    await expect(pruneHistory(repo, { ...base, keep: 2 })).rejects.toThrow(
      "is a merge: prune rewrites only a linear backup history",
    );
  });
});
