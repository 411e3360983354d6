import type { Config } from "@tablesnap/config";
import { RUN_STATUSES, type RunWithTriggers, type StateStore } from "@tablesnap/state";

/** Runs read per target for the counts: the newest this many (10 pages of 100). */
export const METRICS_RUN_WINDOW = 1000;

const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(",")}}`;

class Family {
  readonly lines: string[];
  constructor(name: string, type: "gauge" | "counter", help: string) {
    this.lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
    this.name = name;
  }
  readonly name: string;
  add(l: Record<string, string>, value: number): void {
    this.lines.push(`${this.name}${labels(l)} ${Number.isFinite(value) ? value : "NaN"}`);
  }
}

async function recentRuns(state: StateStore, target: string): Promise<RunWithTriggers[]> {
  const runs: RunWithTriggers[] = [];
  let cursor: string | undefined;
  do {
    const page = await state.listRuns(target, { limit: 100, cursor });
    runs.push(...page.runs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && runs.length < METRICS_RUN_WINDOW);
  return runs;
}

/**
 * Prometheus text exposition (format 0.0.4), written by hand: runs by status and triggers by
 * source and event (over each target's newest 1000 runs), the last success time, the backup age
 * against the freshness limit.
 */
export async function renderMetrics(config: Config, state: StateStore, now: Date): Promise<string> {
  const runs = new Family("tablesnap_runs", "gauge", "Runs by status (newest 1000 per target).");
  const triggers = new Family(
    "tablesnap_triggers",
    "gauge",
    "Triggers recorded on runs, by source kind and event (newest 1000 runs per target).",
  );
  const lastSuccess = new Family(
    "tablesnap_last_success_timestamp_seconds",
    "gauge",
    "Unix time the last successful run finished.",
  );
  const age = new Family(
    "tablesnap_backup_age_seconds",
    "gauge",
    "Seconds since the last successful run finished (NaN when there was none).",
  );
  const limit = new Family(
    "tablesnap_freshness_limit_seconds",
    "gauge",
    "The target's freshness limit.",
  );
  const fresh = new Family(
    "tablesnap_backup_fresh",
    "gauge",
    "1 when the backup age is within the limit.",
  );

  for (const t of config.targets) {
    const [list, summary] = await Promise.all([
      recentRuns(state, t.name),
      state.targetSummary(t.name),
    ]);
    for (const status of RUN_STATUSES) {
      runs.add({ target: t.name, status }, list.filter((r) => r.status === status).length);
    }
    const counts = new Map<string, number>();
    for (const r of list)
      for (const tr of r.triggers) {
        // GitHub sources are repository names: grouped as "github" to keep label sets small.
        const source = tr.source.includes("/") ? "github" : tr.source;
        const key = `${source}\u0000${tr.event}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    for (const [key, n] of [...counts].sort()) {
      const [source = "", event = ""] = key.split("\u0000");
      triggers.add({ target: t.name, source, event }, n);
    }
    const at = summary.lastSuccess?.finishedAt ?? null;
    const seconds = at === null ? Number.NaN : (now.getTime() - at.getTime()) / 1000;
    if (at !== null) lastSuccess.add({ target: t.name }, at.getTime() / 1000);
    age.add({ target: t.name }, seconds);
    limit.add({ target: t.name }, t.freshnessLimitSeconds);
    fresh.add({ target: t.name }, at !== null && seconds <= t.freshnessLimitSeconds ? 1 : 0);
  }
  return `${[runs, triggers, lastSuccess, age, limit, fresh].map((f) => f.lines.join("\n")).join("\n")}\n`;
}
