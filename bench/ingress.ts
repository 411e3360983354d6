/**
 * `pnpm bench:ingress [--seconds N] [--concurrency N]`: the ingress app (`ingressApp` +
 * `serveApp`, a real NatsBus on a fresh prefix) on a loopback port, fired at with signed GitHub
 * push webhooks (a new delivery id each) from a child process using Node's fetch, 50 at a time
 * for 10 s. Reports requests/s, p50/p99 latency and non-2xx answers, checks that every 2xx put
 * exactly one message into the trigger stream, writes .bench/ingress-<time>.json and deletes
 * the bench's streams.
 *
 * bench/ has no node_modules, so `@tablesnap/ingress`, `@tablesnap/http` and `@tablesnap/bus` are not resolvable from
 * here: their entry files are imported by path (they resolve their own dependencies), typed by
 * the few members used below.
 */

import { spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/commands.ts";
import { log, round1 } from "./lib/format.ts";
import { median } from "./lib/measure.ts";
import { natsRequests } from "./lib/nats.ts";
import { hostInfo, intOption, writeReport } from "./lib/report.ts";

const NATS_URL = process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
const SECRET = "bench-webhook-secret";
const TARGET_RPS = 1000;
const TARGET_P99_MS = 100;
const BODY = JSON.stringify({
  ref: "refs/heads/main",
  after: "b".repeat(40),
  repository: { full_name: "acme/api", default_branch: "main" },
  pusher: { name: "octocat" },
});

interface LoadResult {
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly ms: number;
  readonly latencies: number[];
}

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "50" },
    load: { type: "string" }, // child mode: the URL to fire at
  },
});
const seconds = intOption("seconds", values.seconds, 1, 600);
const concurrency = intOption("concurrency", values.concurrency, 1, 1000);

if (values.load !== undefined) {
  process.stdout.write(`${JSON.stringify(await load(values.load))}\n`);
} else {
  await main();
}

/** Child mode: `concurrency` loops posting webhooks until the time is up. */
async function load(url: string): Promise<LoadResult> {
  const signature = `sha256=${createHmac("sha256", SECRET).update(BODY).digest("hex")}`;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "push",
            "x-github-delivery": randomUUID(),
            "x-hub-signature-256": signature,
          },
          body: BODY,
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  const ok = Object.entries(statuses)
    .filter(([s]) => s.startsWith("2"))
    .reduce((n, [, c]) => n + c, 0);
  return {
    requests: latencies.length + errors,
    ok,
    non2xx: latencies.length - ok,
    errors,
    statuses,
    ms,
    latencies,
  };
}

interface IngressModule {
  ingressApp(o: { config: unknown; bus: unknown; logger: unknown }): unknown;
}
interface HttpModule {
  serveApp(
    app: unknown,
    port: number,
    hostname?: string,
  ): Promise<{ port: number; close(): Promise<void> }>;
  silentLogger: unknown;
}
interface BusModule {
  NatsBus: new (o: {
    servers: string;
    prefix: string;
    name?: string;
    logger: unknown;
  }) => {
    ensureStreams(): Promise<void>;
    close(): Promise<void>;
  };
  MESSAGE_KINDS: readonly string[];
  streamName(prefix: string, kind: string): string;
}
interface ConfigModule {
  loadConfig(env: Record<string, string>): unknown;
}

/** A workspace package's entry file, imported by path (see the top of this file). */
async function entry<T>(pkg: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, "packages", pkg, "src", "index.ts")).href)) as T;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const http = await entry<HttpModule>("http");
  const ingress = await entry<IngressModule>("ingress");
  const busModule = await entry<BusModule>("bus");
  const { loadConfig } = await entry<ConfigModule>("config");
  const prefix = `bench_ingress_${randomBytes(4).toString("hex")}`;
  const config = loadConfig({
    TABLESNAP_DATABASE_URL: "postgres://db.example/app",
    TABLESNAP_GITHUB_REPO: "acme/backups",
    GITHUB_WEBHOOK_SECRET: SECRET,
    NATS_URL,
    TABLESNAP_NATS_PREFIX: prefix,
  });
  const bus = new busModule.NatsBus({
    servers: NATS_URL,
    prefix,
    name: "bench-ingress",
    logger: http.silentLogger,
  });
  const streams = busModule.MESSAGE_KINDS.map((k) => busModule.streamName(prefix, k));
  const triggers = busModule.streamName(prefix, "trigger");
  try {
    await bus.ensureStreams();
    const app = ingress.ingressApp({ config, bus, logger: http.silentLogger });
    const server = await http.serveApp(app, 0, "127.0.0.1");
    const url = `http://127.0.0.1:${server.port}/webhooks/github`;
    log(`ingress on ${url}, NATS ${NATS_URL} prefix ${prefix}`);
    log(`firing signed push webhooks: concurrency ${concurrency}, ${seconds} s (child process)`);
    let r: LoadResult;
    try {
      r = await runLoad(url);
    } finally {
      await server.close();
    }
    const stored = await streamMessages(triggers);
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
    const rps = r.requests / (r.ms / 1000);
    const result = {
      requests: r.requests,
      duration_ms: round1(r.ms),
      requests_per_s: round1(rps),
      latency_ms: {
        p50: round1(pct(50)),
        p90: round1(pct(90)),
        p99: round1(pct(99)),
        max: round1(sorted.at(-1) ?? NaN),
        median: round1(median(sorted)),
      },
      accepted_2xx: r.ok,
      non_2xx: r.non2xx,
      errors: r.errors,
      statuses: r.statuses,
      trigger_stream_messages: stored,
      accepted_equals_stored: stored === r.ok,
      targets: {
        requests_per_s: TARGET_RPS,
        p99_ms: TARGET_P99_MS,
        rps_met: rps >= TARGET_RPS,
        p99_met: pct(99) < TARGET_P99_MS,
      },
    };
    log(
      `\n${r.requests} requests in ${(r.ms / 1000).toFixed(2)} s: ${rps.toFixed(1)} req/s ` +
        `(target ≥ ${TARGET_RPS}: ${result.targets.rps_met ? "met" : "MISSED"})`,
    );
    log(
      `latency p50 ${result.latency_ms.p50} ms, p90 ${result.latency_ms.p90} ms, p99 ` +
        `${result.latency_ms.p99} ms (target < ${TARGET_P99_MS}: ${result.targets.p99_met ? "met" : "MISSED"}), ` +
        `max ${result.latency_ms.max} ms`,
    );
    log(`statuses ${JSON.stringify(r.statuses)}; non-2xx ${r.non2xx}; network errors ${r.errors}`);
    log(
      `trigger stream ${triggers}: ${stored} messages; 2xx answers ${r.ok}: ` +
        `${stored === r.ok ? "equal" : "NOT EQUAL"}`,
    );
    await writeReport("ingress", startedAt, {
      bench: "ingress",
      command: `pnpm bench:ingress --seconds ${seconds} --concurrency ${concurrency}`,
      started_at: startedAt.toISOString(),
      host: hostInfo(),
      nats: NATS_URL,
      prefix,
      concurrency,
      seconds,
      result,
    });
    if (stored !== r.ok) process.exitCode = 1;
  } finally {
    await bus.close();
    await natsRequests(
      NATS_URL,
      streams.map((s) => `$JS.API.STREAM.DELETE.${s}`),
    );
    log(`deleted streams ${streams.join(", ")}`);
  }
}

async function runLoad(url: string): Promise<LoadResult> {
  const self = fileURLToPath(import.meta.url);
  const args = [
    self,
    "--load",
    url,
    "--seconds",
    String(seconds),
    "--concurrency",
    String(concurrency),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

/** Messages stored in a stream, from JetStream's STREAM.INFO. */
async function streamMessages(stream: string): Promise<number> {
  const [reply] = await natsRequests(NATS_URL, [`$JS.API.STREAM.INFO.${stream}`]);
  const info = JSON.parse(reply ?? "{}") as { state?: { messages?: number }; error?: unknown };
  if (info.state?.messages === undefined) throw new Error(`stream info: ${reply}`);
  return info.state.messages;
}
