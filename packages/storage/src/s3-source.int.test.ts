import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { StorageError } from "./errors.ts";
import { S3StorageSource } from "./s3-source.ts";

const KEYS = { accessKey: "AKTEST", secretKey: "secret-test" };
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((ok) => s.close(ok));
  }
});

/** An HTTP server on a free loopback port; sockets it holds are destroyed after each test. */
async function serve(
  handler: (req: IncomingMessage, res: import("node:http").ServerResponse) => void,
) {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on("connection", (s) => sockets.add(s));
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const hmac = (key: Buffer | string, text: string) =>
  createHmac("sha256", key).update(text).digest();
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Checks an AWS Signature Version 4 over the request's whole path, as Supabase Storage does with
 * its `/storage/v1/s3` prefix (storage-api's signature-v4 plugin is given the prefix).
 */
function signedOverWholePath(req: IncomingMessage): boolean {
  const auth = String(req.headers.authorization ?? "");
  const m =
    /Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)/.exec(
      auth,
    );
  if (!m) return false;
  const [, , day = "", region = "", signed = "", signature] = m;
  const url = new URL(req.url ?? "/", "http://x");
  const query = [...url.searchParams]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join("&");
  const headers = signed
    .split(";")
    .map((h) => `${h}:${String(req.headers[h] ?? "").trim()}\n`)
    .join("");
  const canonical = [
    req.method,
    url.pathname,
    query,
    headers,
    signed,
    String(req.headers["x-amz-content-sha256"]),
  ].join("\n");
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = [
    "AWS4-HMAC-SHA256",
    String(req.headers["x-amz-date"]),
    scope,
    sha256(canonical),
  ].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${KEYS.secretKey}`, day), region), "s3"), "aws4_request");
  return hmac(key, toSign).toString("hex") === signature;
}

describe("S3StorageSource against servers that are not a well-behaved S3", () => {
  it("sends Supabase's /storage/v1/s3 path with every request and signs it", async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (!req.url?.startsWith("/storage/v1/s3/") || !signedOverWholePath(req)) {
        res.writeHead(403, { "content-type": "application/xml" });
        res.end(
          "<Error><Code>SignatureDoesNotMatch</Code><Message>bad signature</Message></Error>",
        );
        return;
      }
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0"?><ListAllMyBucketsResult><Buckets><Bucket><Name>avatars</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>',
      );
    });
    const s = new S3StorageSource({ endpoint: `${url}/storage/v1/s3`, ...KEYS });
    expect(s.location).toBe(`${url}/storage/v1/s3`);
    expect(await s.listBuckets()).toEqual(["avatars"]);
    expect(seen).toEqual(["GET /storage/v1/s3/"]);
  });

  it("names the endpoint that never answers, within the request bound", async () => {
    const url = await serve(() => {
      // Accepts the request and says nothing, as a server behind a dead proxy would.
    });
    const s = new S3StorageSource({ endpoint: url, ...KEYS, requestMs: 300 });
    const started = Date.now();
    const err = await s.listBuckets().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(String(err)).toMatch(
      /Storage bucket listing of the endpoint at http:\/\/127\.0\.0\.1:\d+ did not answer within 0\.3 s/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("names a body that stops half-way", async () => {
    const url = await serve((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, {
          "content-length": "1000",
          "content-type": "application/octet-stream",
        });
        res.write(Buffer.alloc(10));
        return; // the other 990 bytes never come
      }
      res.writeHead(404).end();
    });
    const s = new S3StorageSource({ endpoint: url, ...KEYS, requestMs: 300 });
    const read = async () => {
      for await (const _ of s.read("docs", "big.bin"));
    };
    await expect(read()).rejects.toThrow(
      /Storage GET of docs\/big\.bin did not answer within 0\.3 s/,
    );
  });

  it("says what an endpoint that is not S3 answered", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Welcome to nginx!</body></html>");
    });
    const s = new S3StorageSource({ endpoint: url, ...KEYS, requestMs: 2000 });
    const err = await s.listBuckets().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(String(err)).toMatch(/Storage bucket listing of the endpoint failed/);
  });
});
