import { execFileSync } from "node:child_process";
import { type Manifest, manifestFiles, parseManifest } from "@tablesnap/core";
import { identitiesFrom } from "@tablesnap/encryption";
import type { Running } from "@tablesnap/runs";
import { freePort } from "@tablesnap/testing";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pipeline, startPipeline, until } from "../test/pipeline.ts";

const MARKER = "pipeline-secret-7d41c9";
let p: Pipeline;
let recipient: string;
let identity: string;
/** The publisher of the first test's runs: it has no key. */
let keyless: Running;

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  // A commit per run even when nothing changed (commit_unchanged): the reuse of ciphertext is
  // what this test watches.
  p = await startPipeline({
    encryption: { recipients: [recipient], tables: [], schema: false },
    commitUnchanged: true,
    drill: true,
  });
  await p.source.sql.unsafe(`
    create table accounts (id int primary key, email text not null);
    insert into accounts select g, 'user' || g || '-${MARKER}' from generate_series(1, 400) g;
  `);
});
afterAll(() => p?.close());

function latestManifest(): Manifest {
  const link = p.gitShow("backups/latest/latest").trim();
  return parseManifest(p.gitShow(`backups/latest/${link}/manifest.json`));
}

function blobs(): Set<string> {
  const out = execFileSync("git", [
    ...["-C", p.repoDir, "cat-file", "--batch-all-objects"],
    "--batch-check=%(objecttype) %(objectname)",
  ]).toString();
  return new Set(out.split("\n").filter((l) => l.startsWith("blob ")));
}

describe("a target with encryption, through the services", () => {
  it("leaves only ciphertext in the bucket and in git, and reuses it when nothing changed", async () => {
    await p.dumpWorker();
    const runId = await p.startRun("enc-1");
    const bucket = p.bucket.forPrefix(`runs/${runId}/`);
    // No publisher yet: the run's artifacts wait in the bucket, where a reader learns nothing.
    const listed = await until("the run's manifest in the bucket", async () => {
      const all = await bucket.list();
      return all.some((k) => k.endsWith("/manifest.json")) ? all : undefined;
    });
    expect(listed.some((k) => k.endsWith("accounts/data.sql.age"))).toBe(true);
    for (const key of listed) {
      const chunks: Uint8Array[] = [];
      for await (const c of bucket.read(key)) chunks.push(c);
      expect(Buffer.concat(chunks).includes(MARKER), key).toBe(false);
    }

    keyless = await p.publisher();
    expect((await p.waitForRun(runId)).status).toBe("succeeded");
    const first = latestManifest();
    const data = manifestFiles(first).find((f) => f.path === "public/tables/accounts/data.sql.age");
    expect(data?.recipients).toEqual([recipient]);
    expect(manifestFiles(first).some((f) => f.path === "roles.sql.age")).toBe(true);
    const everything = execFileSync("git", [
      ...["-C", p.repoDir, "cat-file", "--batch-all-objects", "--batch"],
    ]);
    expect(everything.includes(MARKER)).toBe(false);

    const before = blobs();
    const again = await p.startRun("enc-2");
    expect((await p.waitForRun(again)).status).toBe("succeeded");
    const added = [...blobs()].filter((b) => !before.has(b));
    // The new manifest and the `latest` link: every encrypted file kept its ciphertext.
    expect(added).toHaveLength(2);
    const enc = (m: Manifest) => manifestFiles(m).filter((f) => f.plain);
    expect(enc(latestManifest())).toEqual(enc(first));
  });

  it("drills on schedule in the services: the identity comes from a secret, a failure is told", async () => {
    const events: { kind: string; data?: Record<string, unknown> | undefined }[] = [];
    const watch = await p.bus.consume("event", { durable: "drill-watch" }, (e) => {
      if (e.kind.startsWith("drill.")) events.push(e);
    });
    const send = (id: string) =>
      p.bus.publish("maintenance", {
        ...{ id, target: "default", task: "drill" },
        at: new Date().toISOString(),
      });
    const drillDbs = () =>
      p.source.sql<{ n: number }[]>`
        select count(*)::int as n from pg_database where datname like 'tablesnap_drill_%'`;
    try {
      // Without the key: the drill fails before restoring, names a file and its recipient, and
      // Slack's webhook hears of it.
      await send("default/@drill@2026-12-06T04:00Z");
      await until("drill.failed", () => events.length === 1);
      expect(events[0]?.kind).toBe("drill.failed");
      const problems = String(events[0]?.data?.["problems"]);
      expect(problems).toContain("data.sql is encrypted to");
      expect(problems).toContain(recipient);
      const told = p.slack.map((s) => JSON.stringify(s.body));
      expect(told.some((t) => t.includes("restore drill of *default* failed"))).toBe(true);
      await keyless.stop();

      // The key as a secret gives it: TABLESNAP_AGE_IDENTITY holds the identity file's text.
      const keyed = await p.publisher({
        identities: await identitiesFrom({ text: `# ops\n${identity}\n` }),
      });
      await send("default/@drill@2026-12-13T04:00Z");
      await until("drill.passed", () => events.length === 2);
      expect(events[1]).toMatchObject({ kind: "drill.passed", data: { problems: [] } });
      expect(events[1]?.data?.["tables"]).toBeGreaterThan(0);
      expect(p.slack.map((s) => JSON.stringify(s.body)).join("\n")).not.toContain(MARKER);
      expect((await drillDbs())[0]?.n).toBe(0);
      await keyed.stop();

      // A scratch server that cannot be reached, its URL holding a password: the failure is
      // told, and the password is in no event and no Slack post.
      const password = `scratchpw-${Date.now()}`;
      const unreachable = `postgres://drill:${password}@127.0.0.1:${await freePort()}/postgres`;
      const drill = { cron: "0 4 * * 0", scratchUrlEnv: "SCRATCH", scratchUrl: unreachable };
      await p.publisher({
        targets: [{ ...p.target, drill }],
        identities: await identitiesFrom({ text: identity }),
      });
      await send("default/@drill@2026-12-20T04:00Z");
      await until("drill.failed", () => events.length === 3);
      expect(events[2]?.kind).toBe("drill.failed");
      expect(String(events[2]?.data?.["problems"])).toContain("127.0.0.1");
      const outputs = [JSON.stringify(events), ...p.slack.map((s) => JSON.stringify(s.body))];
      expect(outputs.join("\n")).not.toContain(password);
    } finally {
      await watch.stop();
    }
  });
});
