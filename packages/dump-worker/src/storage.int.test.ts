import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { type S3TestServer, startS3Server } from "@tablesnap/artifacts/testing";
import type { StorageSettings } from "@tablesnap/config";
import { type Manifest, parseManifest } from "@tablesnap/core";
import { parseListing } from "@tablesnap/storage";
import { S3StorageSource } from "@tablesnap/storage/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pipeline, startPipeline } from "../test/pipeline.ts";

let p: Pipeline;
let storage: S3TestServer;
let settings: StorageSettings;
let files: S3StorageSource;

beforeAll(async () => {
  storage = await startS3Server();
  settings = {
    endpoint: storage.endpoint,
    region: "us-east-1",
    accessKeyEnv: "STORAGE_S3_ACCESS_KEY",
    secretKeyEnv: "STORAGE_S3_SECRET_KEY",
    keys: { accessKey: storage.accessKey, secretKey: storage.secretKey },
    buckets: ["avatars"],
    prefix: "files/default/",
  };
  p = await startPipeline({ storage: settings });
  await p.source.sql`create table notes (id int primary key, body text)`;
  files = new S3StorageSource(storage);
  await files.ensureBucket("avatars");
  for (const [key, body] of [
    ["u1/avatar.png", "one"],
    ["u2/my photo.png", "two"],
    ["u3/avatar.png", "one"],
  ] as const) {
    const b = Buffer.from(body);
    await files.write(
      "avatars",
      key,
      (async function* () {
        yield b;
      })(),
      b.length,
      {
        contentType: "image/png",
        cacheControl: null,
        metadata: {},
      },
    );
  }
});
afterAll(async () => {
  await p?.close();
  await storage?.close();
});

function latest(): { manifest: Manifest; listing: string } {
  const link = p.gitShow("backups/latest/latest").trim();
  return {
    manifest: parseManifest(p.gitShow(`backups/latest/${link}/manifest.json`)),
    listing: p.gitShow(`backups/latest/${link}/storage/buckets/avatars/objects.jsonl`),
  };
}

describe("a target with storage, through the services", () => {
  it("keeps the files once in the artifacts bucket under the target's prefix, commits the listing, and copies nothing when nothing changed", async () => {
    await p.dumpWorker();
    await p.publisher();
    const first = await p.waitForRun(await p.startRun("files-1"));
    expect(first.error).toBeNull();
    expect(first.status).toBe("succeeded");
    const { manifest, listing } = latest();
    expect(manifest.storage?.buckets).toMatchObject([{ name: "avatars", objects: 3 }]);
    expect(parseListing(listing, "avatars").map((r) => r.key)).toEqual([
      "u1/avatar.png",
      "u2/my photo.png",
      "u3/avatar.png",
    ]);
    const kept = () => p.bucket.forPrefix(settings.prefix).list("sha256");
    expect(await kept()).toHaveLength(2);

    const before = await kept();
    const second = await p.waitForRun(await p.startRun("files-2"));
    // The database and the bucket as they were: nothing committed, nothing copied.
    expect(second.status).toBe("unchanged");
    expect(await kept()).toEqual(before);
    expect(latest().listing).toBe(listing);
  });

  it("fails the run, naming the variables, when the dump worker lacks the Storage keys", async () => {
    await p.close();
    p = await startPipeline({ storage: { ...settings, keys: undefined } });
    await p.dumpWorker();
    const run = await p.waitForRun(await p.startRun("files-nokeys"));
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(
      /STORAGE_S3_ACCESS_KEY and STORAGE_S3_SECRET_KEY are not set in this dump worker's environment/,
    );
  });

  it("reads the files after the snapshot has ended: no transaction of the run is open on the database meanwhile", async () => {
    // A proxy in front of Storage that holds every object GET for 1.5 s, and says when one came.
    let held: (() => void) | undefined;
    const getSeen = new Promise<void>((ok) => {
      held = ok;
    });
    const upstream = new URL(storage.endpoint);
    const proxy = createServer((req, res) => {
      const isObjectGet = req.method === "GET" && /^\/avatars\/.+/.test(req.url ?? "");
      if (isObjectGet) held?.();
      setTimeout(
        () => {
          const up = request(
            {
              host: upstream.hostname,
              port: upstream.port,
              path: req.url,
              method: req.method,
              headers: req.headers,
            },
            (r) => {
              res.writeHead(r.statusCode ?? 502, r.headers);
              r.pipe(res);
            },
          );
          req.pipe(up);
        },
        isObjectGet ? 1500 : 0,
      );
    });
    await new Promise<void>((ok) => proxy.listen(0, "127.0.0.1", ok));
    try {
      const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      await p.close();
      p = await startPipeline({ storage: { ...settings, endpoint, prefix: "files/fresh/" } });
      await p.dumpWorker();
      const runId = await p.startRun("files-after-snapshot");
      await getSeen;
      const open = await p.source.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and application_name = 'tablesnap' and xact_start is not null`;
      expect(open[0]?.n).toBe(0);
      await p.publisher();
      expect((await p.waitForRun(runId)).status).toBe("succeeded");
    } finally {
      proxy.closeAllConnections();
      await new Promise((ok) => proxy.close(ok));
    }
  });
});
