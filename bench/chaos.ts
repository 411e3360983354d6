/**
 * `pnpm bench:chaos [--duration S] [--min-kills N] [--seed N] [--nats-restarts N]
 * [--db-restarts N] [--drain S] [--big-rows N]`: the five services as separate processes, one
 * installation with two targets (two source databases, two backup repositories), a signed push
 * every 0.5-2 s (one push triggers both targets; a delivery without a 2xx is redelivered with the
 * same id 2-6 s later, up to 3 times, as GitHub's redelivery would), and at random moments
 * (every 1-4 s) kill -9 of a random running service, started again 0.2-2.5 s later. A few times
 * in the run NATS (a private nats-server, same store) is killed -9 and started again, and the
 * state database (a private PostgreSQL cluster) is stopped, alternately `-m fast` and
 * `-m immediate`, and started again. A service that exits by itself (a failed start while the
 * state database is away) is started again after 1 s, as a container runtime would, and counted.
 * The chaos lasts `--duration` seconds (default 240) and at least until `--min-kills` kills
 * (default 50); then everything is brought back, pushes stop, and the bench waits (up to
 * `--drain` seconds) until every accepted trigger is on a run and no run is open.
 *
 * Judged at the end: every accepted trigger (a webhook answered 2xx; its trigger ids) belongs to
 * exactly one finished run, in the state database and through the status API; exactly one commit
 * per succeeded (or partial) run on the target's branch (its `Backup-Id:`), and no other commit
 * but the README of the first publish; no run open; no lock or open transaction of tablesnap on
 * the sources; no object left in the bucket. Exit code 1 when any of that is broken or fewer than
 * `--min-kills` kills happened. Writes .bench/chaos-<time>.json and every service's output to
 * .bench/chaos-<time>.log; removes the processes, streams, databases, the private cluster and
 * temporary folders, even on failure.
 *
 * Built on services/cli/test/e2e/harness.ts (GitHub emulator with real bare repositories,
 * s3rver, a private nats-server), imported by path.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type AcceptedTrigger,
  type DbRun,
  errorKind,
  judge,
  readState,
  type TargetInfo,
  type Verdict,
} from "./lib/chaos-checks.ts";
import { loadHarness, type ScratchDatabase, type Shared } from "./lib/chaos-harness.ts";
import { freePort, type PgCluster, psqlUrl, startPgCluster } from "./lib/chaos-pg.ts";
import { SERVICE_NAMES, type ServiceName, Services } from "./lib/chaos-services.ts";
import { ROOT } from "./lib/commands.ts";
import { log } from "./lib/format.ts";
import { hostInfo, intOption, writeReport } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "240" },
    "min-kills": { type: "string", default: "50" },
    seed: { type: "string" },
    "nats-restarts": { type: "string", default: "3" },
    "db-restarts": { type: "string", default: "3" },
    drain: { type: "string", default: "180" },
    "big-rows": { type: "string", default: "40000" },
  },
});
const durationS = intOption("duration", values.duration, 10, 3600);
const minKills = intOption("min-kills", values["min-kills"], 0, 10_000);
const seed = intOption("seed", values.seed ?? String(randomBytes(3).readUIntBE(0, 3)), 0, 2 ** 31);
const natsRestarts = intOption("nats-restarts", values["nats-restarts"], 0, 100);
const dbRestarts = intOption("db-restarts", values["db-restarts"], 0, 100);
const drainS = intOption("drain", values.drain, 10, 3600);
const bigRows = intOption("big-rows", values["big-rows"], 0, 5_000_000);

/** Kill every 1-4 s; a killed service is started again 0.2-2.5 s later. */
const KILL_EVERY_MS: [number, number] = [1_000, 4_000];
const RESTART_AFTER_MS: [number, number] = [200, 2_500];
/** A push every 0.5-2 s. */
const PUSH_EVERY_MS: [number, number] = [500, 2_000];
/** A delivery without a 2xx is sent again 2-6 s later, at most 3 times. */
const REDELIVER_AFTER_MS: [number, number] = [2_000, 6_000];
const MAX_REDELIVERIES = 3;
/** NATS stays down 1-4 s; the state database 1-3 s when stopped "immediate". */
const NATS_DOWN_MS: [number, number] = [1_000, 4_000];
const DB_DOWN_MS: [number, number] = [1_000, 3_000];
/** The chaos stops at the latest after this many times `--duration` (not enough kills). */
const HARD_CAP_FACTOR = 2;
const ACK_WAIT_S = 3;
const DEBOUNCE_S = 1;
const TARGET_NAMES = ["alpha", "beta"] as const;

class BenchError extends Error {
  override readonly name = "BenchError";
}

/** mulberry32: the run's random choices come from `--seed`, printed so a run can be replayed. */
function rng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(seed);
const between = ([lo, hi]: [number, number]) => Math.round(lo + random() * (hi - lo));
const pick = <T>(xs: readonly T[]): T => {
  const x = xs[Math.floor(random() * xs.length)];
  if (x === undefined) throw new BenchError("pick from an empty list");
  return x;
};

/** Sleeps `ms`, or less when `signal` aborts. */
function nap(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Polls `check` every `everyMs` until it returns a value; a named error after `ms`. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms: number,
  everyMs = 500,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError = "";
  for (;;) {
    if (signal?.aborted) throw new BenchError(`interrupted while waiting for ${what}`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) {
      throw new BenchError(
        `timed out after ${ms} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`,
      );
    }
    await nap(everyMs, signal);
  }
}

interface PushOutcome {
  readonly at_s: number;
  readonly delivery: string;
  /** 0 for the first delivery, n for the n-th redelivery. */
  readonly redelivery: number;
  readonly status: number | string;
  readonly triggers: number;
  readonly duplicates: number;
}

interface InfraEvent {
  readonly at_s: number;
  readonly at: string;
  readonly what: string;
  readonly down_ms: number;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = Date.now();
  const at = () => Math.round((Date.now() - t0) / 100) / 10;
  const host = hostInfo();
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  await mkdir(join(ROOT, ".bench"), { recursive: true });
  const logFile = join(ROOT, ".bench", `chaos-${stamp}.log`);
  const logStream = createWriteStream(logFile);
  const sink = (line: string) => logStream.write(`${line}\n`);
  const say = (line: string) => {
    log(line);
    sink(`+${((Date.now() - t0) / 1000).toFixed(3)}s [bench] ${line}`);
  };
  say(
    `chaos: seed ${seed}, duration ${durationS} s, at least ${minKills} kills, ` +
      `${natsRestarts} NATS restarts, ${dbRestarts} state database restarts; ` +
      `load average ${host.loadavg_start.map((l) => l.toFixed(2)).join(" ")}`,
  );
  say(`service output: ${logFile}`);

  const cleanups: { name: string; run: () => Promise<unknown> }[] = [];
  const interrupt = new AbortController();
  const onSignal = () => {
    say("interrupted: stopping and cleaning up");
    interrupt.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let exitCode = 0;
  try {
    const harness = await loadHarness();
    const id = randomBytes(3).toString("hex");
    const prefix = `chaos_${id}`;
    const bucket = `chaos-${id}`;
    const dir = await mkdtemp(join(tmpdir(), "tsnap-chaos-"));
    cleanups.push({ name: `folder ${dir}`, run: () => rm(dir, { recursive: true, force: true }) });

    // The state database: a private cluster, so that it can be stopped and started.
    const pg: PgCluster = await startPgCluster("tsnap-chaos-pg");
    cleanups.push({ name: `state cluster ${pg.dir} (port ${pg.port})`, run: () => pg.destroy() });
    await psqlUrl(pg.url("postgres"), "create database tablesnap_state");
    const stateUrl = pg.url("tablesnap_state");
    say(`state database: private PostgreSQL cluster on port ${pg.port} (${pg.dir})`);

    const sh: Shared = await harness.startShared();
    cleanups.push({ name: "GitHub emulator, S3 server, nats-server", run: () => sh.close() });
    cleanups.push({
      name: `streams ${prefix}_*`,
      run: () => harness.deleteStreams(sh.nats.url, prefix),
    });
    const sources: ScratchDatabase[] = [];
    cleanups.push({
      name: "source databases",
      run: () => Promise.all(sources.map((s) => s.drop())),
    });
    sources.push(await harness.createSource("tsnap_chaos_alpha", bigRows));
    sources.push(await harness.createSource("tsnap_chaos_beta", Math.round(bigRows / 10)));
    const targets: TargetInfo[] = [];
    for (const [i, name] of TARGET_NAMES.entries()) {
      const source = sources[i];
      if (!source) throw new BenchError(`no source database for ${name}`);
      const repo = await sh.h.createRepo(`chaos-${name}`);
      targets.push({
        name,
        repo,
        bare: sh.h.bare(repo),
        sourceDb: source.name,
        sourceUrl: source.url,
      });
    }
    const configFile = join(dir, "targets.json");
    await writeFile(
      configFile,
      JSON.stringify({
        targets: Object.fromEntries(
          targets.map((t) => [t.name, { database_url: t.sourceUrl, repository: t.repo }]),
        ),
      }),
    );
    say(
      `targets: ${targets.map((t) => `${t.name} (${t.sourceDb} → ${t.repo})`).join(", ")}; ` +
        `NATS ${sh.nats.url} prefix ${prefix}; S3 ${sh.s3.endpoint} bucket ${bucket}`,
    );

    const [ingressPort, statusPort] = [await freePort(), await freePort()];
    const ingressUrl = `http://127.0.0.1:${ingressPort}`;
    const statusUrl = `http://127.0.0.1:${statusPort}`;
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k, v]) =>
          v !== undefined &&
          !/^(TABLESNAP_|S3_|GITHUB_|SLACK_|NATS_URL$|PORT$|DATABASE_URL$)/.test(k),
      ),
    ) as Record<string, string>;
    const env: Record<string, string> = {
      ...inherited,
      TABLESNAP_CONFIG: configFile,
      TABLESNAP_STATE_URL: stateUrl,
      NATS_URL: sh.nats.url,
      TABLESNAP_NATS_PREFIX: prefix,
      TABLESNAP_ACK_WAIT: String(ACK_WAIT_S),
      TABLESNAP_DEBOUNCE: String(DEBOUNCE_S),
      S3_ENDPOINT: sh.s3.endpoint,
      S3_ACCESS_KEY: sh.s3.accessKey,
      S3_SECRET_KEY: sh.s3.secretKey,
      S3_REGION: sh.s3.region,
      S3_BUCKET: bucket,
      GITHUB_API_URL: sh.h.gh.url,
      GITHUB_TOKEN: harness.TOKEN,
      GITHUB_WEBHOOK_SECRET: harness.WEBHOOK_SECRET,
      TABLESNAP_API_TOKEN: harness.API_TOKEN,
    };
    const svc = new Services({
      root: ROOT,
      env,
      ports: { ingress: ingressPort, status: statusPort },
      sink,
      t0,
    });
    cleanups.push({ name: "services", run: () => svc.close() });
    // The status API and the coordinator migrate the state schema: the status API first.
    svc.spawn("status-api");
    await svc.waitUp("status-api", 60_000, interrupt.signal);
    for (const s of SERVICE_NAMES) svc.spawn(s);
    await Promise.all(SERVICE_NAMES.map((s) => svc.waitUp(s, 60_000, interrupt.signal)));
    say(`services up after ${at()} s: ingress ${ingressUrl}, status API ${statusUrl}`);

    // Pushes: a few rows change, then a signed push from acme/app (it feeds both targets). A
    // delivery that got no 2xx is delivered again later with the same id and body (as GitHub's
    // redelivery does), up to MAX_REDELIVERIES times.
    const accepted = new Map<string, AcceptedTrigger>();
    const pushes: PushOutcome[] = [];
    const pushAnomalies: unknown[] = [];
    const redeliveries: { delivery: string; body: string; tries: number; due: number }[] = [];
    let rowTick = 0;
    const deliver = async (delivery: string, body: string, tries: number): Promise<PushOutcome> => {
      const signature = `sha256=${createHmac("sha256", harness.WEBHOOK_SECRET).update(body).digest("hex")}`;
      const when = at();
      let status: number | string;
      let triggers = 0;
      let duplicates = 0;
      try {
        const r = await fetch(`${ingressUrl}/webhooks/github`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "push",
            "x-github-delivery": delivery,
            "x-hub-signature-256": signature,
          },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        const text = await r.text();
        status = r.status;
        if (r.status >= 200 && r.status < 300) {
          const parsed = JSON.parse(text) as {
            triggers?: { trigger_id: string; target: string; duplicate: boolean }[];
          };
          for (const t of parsed.triggers ?? []) {
            if (!accepted.has(t.trigger_id)) {
              accepted.set(t.trigger_id, {
                id: t.trigger_id,
                target: t.target,
                delivery,
                at_s: when,
              });
            }
            triggers++;
            if (t.duplicate) duplicates++;
          }
          if (r.status !== 202 || triggers !== TARGET_NAMES.length) {
            pushAnomalies.push({ delivery, status: r.status, body: text.slice(0, 500) });
          }
        }
      } catch (e) {
        const reason =
          e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.name) : "?";
        status = `error: ${reason.replace(/ \d+\.\d+\.\d+\.\d+:\d+/, "")}`;
      }
      const ok = typeof status === "number" && status >= 200 && status < 300;
      if (!ok && tries < MAX_REDELIVERIES) {
        redeliveries.push({
          delivery,
          body,
          tries: tries + 1,
          due: Date.now() + between(REDELIVER_AFTER_MS),
        });
      }
      sink(
        `+${when}s [bench] push ${delivery}${tries > 0 ? ` (redelivery ${tries})` : ""} → ${status}` +
          ` (${triggers} triggers${duplicates > 0 ? `, ${duplicates} duplicate` : ""})`,
      );
      return { at_s: when, delivery, redelivery: tries, status, triggers, duplicates };
    };
    const pushOnce = async (): Promise<PushOutcome> => {
      const due = redeliveries.findIndex((r) => r.due <= Date.now());
      const again = due >= 0 ? redeliveries.splice(due, 1)[0] : undefined;
      if (again) return deliver(again.delivery, again.body, again.tries);
      const source = pick(sources);
      rowTick++;
      await source.sql
        .unsafe(`update users set name = 'user ${rowTick}' where id = ${1 + (rowTick % 500)}`)
        .then(
          () => {},
          (e: unknown) => sink(`[bench] source update failed: ${String(e)}`),
        );
      return deliver(randomUUID(), JSON.stringify(harness.pushPayload("acme/app")), 0);
    };

    // Warm-up: one push must come through with no chaos, or the set-up is wrong.
    const first = await pushOnce();
    pushes.push(first);
    if (first.triggers !== TARGET_NAMES.length) {
      throw new BenchError(`the warm-up push was not accepted: ${JSON.stringify(first)}`);
    }
    await until(
      "the warm-up push to end in a succeeded run on both targets",
      async () => {
        const { runs } = await readState(stateUrl);
        return TARGET_NAMES.every((t) =>
          runs.some((r) => r.target === t && r.status === "succeeded"),
        )
          ? true
          : undefined;
      },
      120_000,
      500,
      interrupt.signal,
    );
    say(`warm-up run succeeded on both targets at ${at()} s; chaos starts`);

    // The chaos: three loops until the time is up and enough kills happened.
    const chaosStart = Date.now();
    const stopChaos = new AbortController();
    const infra: InfraEvent[] = [];
    const restarts = new Set<Promise<void>>();
    const restarting = new Set<ServiceName>();
    let totalKills = 0;
    const killLoop = async () => {
      while (!stopChaos.signal.aborted) {
        await nap(between(KILL_EVERY_MS), stopChaos.signal);
        if (stopChaos.signal.aborted) break;
        const candidates = SERVICE_NAMES.filter((s) => svc.isUp(s) && !restarting.has(s));
        if (candidates.length === 0) continue;
        const name = pick(candidates);
        if (!(await svc.kill(name))) continue;
        totalKills++;
        restarting.add(name);
        const delay = between(RESTART_AFTER_MS);
        const p = nap(delay).then(() => {
          svc.spawn(name);
          restarting.delete(name);
        });
        restarts.add(p);
        void p.finally(() => restarts.delete(p));
      }
    };
    const pushLoop = async () => {
      while (!stopChaos.signal.aborted) {
        pushes.push(await pushOnce());
        await nap(between(PUSH_EVERY_MS), stopChaos.signal);
      }
    };
    const infraLoop = async () => {
      // Spread out: the n-th of N restarts falls at a random moment of the n-th of N equal
      // slices of the middle 90% of the chaos; NATS and the state database in random order.
      const kinds = [
        ...Array.from({ length: natsRestarts }, () => "nats" as const),
        ...Array.from({ length: dbRestarts }, () => "db" as const),
      ];
      for (let i = kinds.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [kinds[i], kinds[j]] = [kinds[j] ?? "nats", kinds[i] ?? "nats"];
      }
      const plan = kinds.map((what, k) => ({
        what,
        atMs: (0.05 + (0.9 * (k + 0.1 + 0.8 * random())) / kinds.length) * durationS * 1000,
      }));
      let dbCount = 0;
      for (const step of plan) {
        await nap(Math.max(0, chaosStart + step.atMs - Date.now()), stopChaos.signal);
        if (stopChaos.signal.aborted) break;
        const began = Date.now();
        if (step.what === "nats") {
          const down = between(NATS_DOWN_MS);
          sink(`+${at()}s [chaos] kill -9 nats-server (down ${down} ms)`);
          await sh.nats.kill();
          await nap(down);
          await sh.nats.start();
          infra.push({
            at_s: at(),
            at: new Date(began).toISOString(),
            what: "nats: kill -9, start",
            down_ms: Date.now() - began,
          });
        } else {
          dbCount++;
          const mode = dbCount % 2 === 1 ? "fast" : "immediate";
          const down = mode === "fast" ? 0 : between(DB_DOWN_MS);
          sink(`+${at()}s [chaos] state database: pg_ctl stop -m ${mode}, down ${down} ms, start`);
          await pg.stop(mode);
          await nap(down);
          await pg.start();
          infra.push({
            at_s: at(),
            at: new Date(began).toISOString(),
            what: `state database: stop -m ${mode}, start`,
            down_ms: Date.now() - began,
          });
        }
        sink(`+${at()}s [chaos] ${infra.at(-1)?.what} done`);
      }
    };
    const loops = [killLoop(), pushLoop(), infraLoop()];
    const hardCap = chaosStart + HARD_CAP_FACTOR * durationS * 1000;
    let lastProgress = Date.now();
    while (!interrupt.signal.aborted) {
      const now = Date.now();
      if ((now - chaosStart >= durationS * 1000 && totalKills >= minKills) || now > hardCap) break;
      if (now - lastProgress >= 15_000) {
        lastProgress = now;
        say(
          `  +${Math.round((now - chaosStart) / 1000)} s: ${totalKills} kills, ` +
            `${accepted.size} accepted triggers, ${infra.length} infra restarts`,
        );
      }
      await nap(250, interrupt.signal);
    }
    stopChaos.abort();
    await Promise.all(loops);
    await Promise.all([...restarts]);
    const chaosSeconds = Math.round((Date.now() - chaosStart) / 100) / 10;
    if (interrupt.signal.aborted) throw new BenchError("interrupted");
    say(
      `chaos over after ${chaosSeconds} s: ${totalKills} kills, ${infra.length} NATS/state restarts; ` +
        `${pushes.length} deliveries, ${accepted.size} accepted triggers`,
    );

    // Everything back up, no more pushes: wait until every accepted trigger is on a run and no
    // run is open.
    if (!pg.running) await pg.start();
    await Promise.all(SERVICE_NAMES.map((s) => svc.waitUp(s, 90_000, interrupt.signal)));
    const drainStart = Date.now();
    let lastState = "";
    let drainProgress = Date.now();
    const drained = await until(
      `every accepted trigger on a run and no run open (drain ${drainS} s)`,
      async () => {
        const { runs, triggers } = await readState(stateUrl);
        const runOf = new Map(triggers.map((t) => [t.id, t.run_id]));
        const unrecorded = [...accepted.values()].filter((a) => !runOf.get(a.id)).length;
        const open = runs.filter((r) => ["pending", "running", "publishing"].includes(r.status));
        lastState = `${unrecorded} accepted triggers not on a run, ${open.length} runs open (${open
          .map((r) => `${r.target}:${r.status}:${r.id}`)
          .join(", ")})`;
        if (Date.now() - drainProgress > 10_000) {
          drainProgress = Date.now();
          say(`  draining: ${lastState}`);
        }
        return unrecorded === 0 && open.length === 0 ? true : undefined;
      },
      drainS * 1000,
      500,
      interrupt.signal,
    ).catch((e: unknown) => {
      say(`drain did not complete: ${e instanceof Error ? e.message : String(e)}; ${lastState}`);
      return false;
    });
    const drainSeconds = Math.round((Date.now() - drainStart) / 100) / 10;
    if (drained) {
      say(`drained after ${drainSeconds} s; settling 5 s before the checks`);
      await nap(5_000, interrupt.signal);
    }

    const { verdict, runs } = await judge({
      stateUrl,
      statusUrl,
      apiToken: harness.API_TOKEN,
      targets,
      accepted: [...accepted.values()],
      s3: sh.s3,
      bucket,
      cloneCommits: (bare) => harness.cloneCommits(bare),
    });
    const pushStatus: Record<string, number> = {};
    for (const p of pushes) pushStatus[String(p.status)] = (pushStatus[String(p.status)] ?? 0) + 1;
    const okDeliveries = new Set(
      pushes.filter((p) => typeof p.status === "number" && p.status < 300).map((p) => p.delivery),
    );
    const pushStats = {
      deliveries: pushes.length,
      new_pushes: pushes.filter((p) => p.redelivery === 0).length,
      redeliveries: pushes.filter((p) => p.redelivery > 0).length,
      pushes_accepted: okDeliveries.size,
      accepted_on_redelivery: pushes.filter(
        (p) => p.redelivery > 0 && typeof p.status === "number" && p.status < 300,
      ).length,
      duplicate_triggers_answered: pushes.reduce((n, p) => n + p.duplicates, 0),
      pushes_never_accepted: pushes.filter((p) => p.redelivery === 0).length - okDeliveries.size,
      by_status: pushStatus,
    };
    const evidence = forensics(verdict, runs, svc.killLog, infra);
    const enoughKills = totalKills >= minKills;
    const ok = verdict.ok && enoughKills && drained;
    printSummary({
      chaosSeconds,
      drainSeconds,
      drained,
      kills: svc.kills,
      totalKills,
      infra,
      unexpected: svc.unexpected.length,
      unexpectedBy: countBy(svc.unexpected.map((u) => u.service)),
      pushStats,
      evidence,
      verdict,
      enoughKills,
      ok,
    });
    await writeReport("chaos", startedAt, {
      bench: "chaos",
      command:
        `pnpm bench:chaos --duration ${durationS} --min-kills ${minKills} --seed ${seed} ` +
        `--nats-restarts ${natsRestarts} --db-restarts ${dbRestarts} --drain ${drainS} --big-rows ${bigRows}`,
      started_at: startedAt.toISOString(),
      host,
      log_file: logFile,
      settings: {
        seed,
        duration_s: durationS,
        min_kills: minKills,
        kill_every_ms: KILL_EVERY_MS,
        restart_after_ms: RESTART_AFTER_MS,
        push_every_ms: PUSH_EVERY_MS,
        ack_wait_s: ACK_WAIT_S,
        debounce_s: DEBOUNCE_S,
        big_rows: { alpha: bigRows, beta: Math.round(bigRows / 10) },
        targets,
        prefix,
        bucket,
        state_cluster_port: pg.port,
      },
      chaos_s: chaosSeconds,
      drain_s: drainSeconds,
      drained,
      kills: { total: totalKills, by_service: svc.kills },
      starts: svc.starts,
      infra_restarts: infra,
      unexpected_exits: svc.unexpected,
      pushes: { ...pushStats, anomalies: pushAnomalies },
      evidence,
      kill_log: svc.killLog,
      verdict,
      ok,
      runs: runs.map((r) => ({ ...r, error: r.error === null ? null : errorKind(r.error) })),
      accepted_triggers: [...accepted.values()],
    });
    if (!ok) exitCode = 1;
  } catch (e) {
    say(`\nfailed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    exitCode = 1;
  } finally {
    for (const step of cleanups.reverse()) {
      try {
        await Promise.race([
          step.run(),
          nap(60_000).then(() => {
            throw new BenchError(`cleanup of ${step.name} took over 60 s`);
          }),
        ]);
        log(`cleaned up ${step.name}`);
      } catch (error) {
        log(`cleanup of ${step.name} failed: ${error instanceof Error ? error.message : error}`);
        exitCode = 1;
      }
    }
    await new Promise<void>((r) => logStream.end(() => r()));
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  process.exitCode = exitCode;
  // Clients of the harness (NATS, postgres.js) may keep handles open a moment.
  setTimeout(() => process.exit(exitCode), 2_000).unref();
}

interface Evidence {
  readonly run: string;
  readonly target: string;
  readonly status: string;
  readonly finished_at: string | null;
  readonly problem: string;
  /** Kills and restarts within 5 s of the run's end (or of now, for an open run). */
  readonly nearby: readonly string[];
}

/** For each run a broken invariant names: what happened to the services around its end. */
function forensics(
  v: Verdict,
  runs: readonly DbRun[],
  kills: readonly { at: string; service: string; instance: number; pid: number | undefined }[],
  infra: readonly InfraEvent[],
): Evidence[] {
  const problems = new Map<string, string[]>();
  const note = (run: string, problem: string) =>
    problems.set(run, [...(problems.get(run) ?? []), problem]);
  const left = new Map<string, number>();
  for (const k of v.lost["bucket_objects_left"] ?? []) {
    const run = /^runs\/([^/]+)\//.exec(String(k))?.[1];
    if (run) left.set(run, (left.get(run) ?? 0) + 1);
  }
  for (const [run, n] of left) note(run, `${n} objects left under runs/${run}/`);
  for (const item of v.lost["runs_open"] ?? []) {
    const run = (item as { run?: string }).run;
    if (run) note(run, "still open");
  }
  for (const item of v.lost["commits_without_run"] ?? []) {
    const run = (item as { backup_id?: string }).backup_id;
    if (run) note(run, `a commit on the branch the run does not own: ${JSON.stringify(item)}`);
  }
  const out: Evidence[] = [];
  for (const [id, list] of problems) {
    const run = runs.find((r) => r.id === id);
    const end = Date.parse(run?.finished_at ?? new Date().toISOString());
    const near = (iso: string) => Math.abs(Date.parse(iso) - end) <= 5_000;
    const nearby = [
      ...kills
        .filter((k) => near(k.at))
        .map((k) => `${k.at} kill -9 ${k.service}#${k.instance} pid ${k.pid ?? "?"}`),
      ...infra.filter((i) => near(i.at)).map((i) => `${i.at} ${i.what}`),
    ].sort();
    out.push({
      run: id,
      target: run?.target ?? "?",
      status: run?.status ?? "(not in the state database)",
      finished_at: run?.finished_at ?? null,
      problem: list.join("; "),
      nearby,
    });
  }
  return out;
}

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

const fmt = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";

function printSummary(s: {
  chaosSeconds: number;
  drainSeconds: number;
  drained: boolean;
  kills: Record<string, number>;
  totalKills: number;
  infra: readonly InfraEvent[];
  unexpected: number;
  unexpectedBy: Record<string, number>;
  pushStats: {
    deliveries: number;
    new_pushes: number;
    redeliveries: number;
    pushes_accepted: number;
    accepted_on_redelivery: number;
    duplicate_triggers_answered: number;
    pushes_never_accepted: number;
    by_status: Record<string, number>;
  };
  evidence: readonly Evidence[];
  verdict: Verdict;
  enoughKills: boolean;
  ok: boolean;
}): void {
  const v = s.verdict;
  const nats = s.infra.filter((i) => i.what.startsWith("nats")).length;
  const db = s.infra.filter((i) => i.what.startsWith("state")).length;
  log("");
  log(`chaos ${s.chaosSeconds} s, drain ${s.drainSeconds} s${s.drained ? "" : " (NOT drained)"}`);
  log(`kills (kill -9): ${s.totalKills} (${fmt(s.kills)})`);
  log(`NATS restarts (kill -9 + start): ${nats}; state database restarts: ${db}`);
  log(`unexpected service exits (started again): ${s.unexpected} (${fmt(s.unexpectedBy)})`);
  const p = s.pushStats;
  log(
    `pushes: ${p.new_pushes} new + ${p.redeliveries} redeliveries = ${p.deliveries} deliveries ` +
      `(${fmt(p.by_status)}); ${p.pushes_accepted} pushes accepted (${p.accepted_on_redelivery} on a ` +
      `redelivery, ${p.duplicate_triggers_answered} triggers answered as duplicates), ` +
      `${p.pushes_never_accepted} never accepted`,
  );
  log(
    `accepted triggers: ${v.accepted_triggers}; triggers recorded: ${v.recorded_triggers} ` +
      `(${v.recorded_not_acknowledged} whose webhook got no 2xx)`,
  );
  log(`runs: ${v.runs_total} (${fmt(v.runs_by_status)})`);
  for (const t of v.targets) {
    log(
      `  ${t.target}: runs ${fmt(t.runs)}; ${t.repository}: ${t.commits_on_branch} commits ` +
        `(${t.run_commits} run commits + ${t.readme_commits} README; clone+fsck ${t.clone_fsck_count ?? "-"})`,
    );
  }
  if (Object.keys(v.failed_errors).length > 0) {
    log("runs not succeeded, by error:");
    for (const [k, n] of Object.entries(v.failed_errors).sort((a, b) => b[1] - a[1])) {
      log(`  ${String(n).padStart(4)}  ${k}`);
    }
  }
  log(
    `source locks: ${v.source_locks.map((l) => `${l.db} ${l.locks} locks, ${l.idle_in_transaction} idle in transaction, ${l.sessions} sessions`).join("; ")}`,
  );
  log(`bucket objects left: ${v.bucket_objects} (${v.bucket_objects_under_runs} under runs/)`);
  log("lost / broken:");
  for (const [k, items] of Object.entries(v.lost)) {
    log(`  ${k}: ${items.length}`);
    for (const item of items.slice(0, 5)) log(`      ${JSON.stringify(item)}`);
    if (items.length > 5) log(`      … ${items.length - 5} more`);
  }
  for (const e of s.evidence) {
    log(
      `evidence: run ${e.run} (${e.target}, ${e.status}, finished ${e.finished_at ?? "-"}): ${e.problem}`,
    );
    for (const k of e.nearby) log(`      ${k}`);
  }
  if (!s.enoughKills) log(`too few kills: ${s.totalKills}`);
  log(`invariants: ${s.ok ? "HELD" : "BROKEN"}`);
}

await main();
