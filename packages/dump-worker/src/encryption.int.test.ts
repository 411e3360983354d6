import { execFileSync } from "node:child_process";
import { type Manifest, manifestFiles, parseManifest } from "@tablesnap/core";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pipeline, startPipeline, until } from "../test/pipeline.ts";

const MARKER = "pipeline-secret-7d41c9";
let p: Pipeline;
let recipient: string;

beforeAll(async () => {
  recipient = await identityToRecipient(await generateX25519Identity());
  // A commit per run even when nothing changed (commit_unchanged): the reuse of ciphertext is
  // what this test watches.
  p = await startPipeline({
    encryption: { recipients: [recipient], tables: [], schema: false },
    commitUnchanged: true,
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

    await p.publisher();
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
});
