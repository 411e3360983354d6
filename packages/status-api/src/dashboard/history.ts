import { formatBytes, formatDuration } from "@tablesnap/core";
import type { ListedRun, TriggerRecord } from "@tablesnap/state";
import { html } from "hono/html";
import { durationSeconds } from "../views.ts";
import { type Html, jsonIsland } from "./layout.ts";

export const ENDED = new Set(["succeeded", "unchanged", "partial", "failed"]);

/** `2026-12-04 16:05:27Z` */
export function when(d: Date | null): string {
  return d === null ? "—" : `${d.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

export const badge = (status: string): Html =>
  html`<span class="badge status-${status}">${status}</span>`;

/** Who asked: the repository and pusher, the Slack user, or the cron slot. */
export function triggerText(t: TriggerRecord): string {
  const who = t.actor === null ? "" : ` by ${t.actor}`;
  const note = t.note === null ? "" : ` — ${t.note}`;
  return `${t.source} ${t.event} ${t.ref}${who}${note}`;
}

/**
 * The series the charts draw, oldest first: one point per run on every chart. Failed runs are
 * also a points-only series, so they stand out on each chart.
 */
const mib = (bytes: number) => Math.round((bytes / 1048576) * 1000) / 1000;

export function chartData(runs: readonly ListedRun[]) {
  const oldest = [...runs].reverse();
  const failed = (v: number | null, r: ListedRun) => (r.status === "failed" ? (v ?? 0) : null);
  const seconds = oldest.map((r) => durationSeconds(r));
  return {
    time: oldest.map((r) => Math.floor(r.createdAt.getTime() / 1000)),
    ids: oldest.map((r) => r.id),
    status: oldest.map((r) => r.status),
    duration: seconds,
    durationFailed: oldest.map((r, i) => failed(seconds[i] ?? null, r)),
    mib: oldest.map((r) => (ENDED.has(r.status) ? mib(r.totals.bytes) : null)),
    mibFailed: oldest.map((r) => failed(mib(r.totals.bytes), r)),
    rows: oldest.map((r) => (ENDED.has(r.status) ? r.totals.rows : null)),
    rowsFailed: oldest.map((r) => failed(r.totals.rows, r)),
  };
}

function runRow(r: ListedRun): Html {
  const seconds = durationSeconds(r);
  const commit =
    r.commitSha === null
      ? "—"
      : r.commitUrl === null
        ? html`<code>${r.commitSha.slice(0, 12)}</code>`
        : html`<a href="${r.commitUrl}"><code>${r.commitSha.slice(0, 12)}</code></a>`;
  return html`<tr data-run="${r.id}">
  <td><a href="/runs/${r.id}">${when(r.createdAt)}</a></td>
  <td>${badge(r.status)}</td>
  <td class="num">${seconds === null ? "—" : formatDuration(seconds)}</td>
  <td class="num">${r.totals.done}/${r.totals.tables}</td>
  <td class="num">${r.totals.rows}</td>
  <td class="num">${formatBytes(r.totals.bytes)}</td>
  <td>${r.triggers.map((t) => html`<div>${triggerText(t)}</div>`)}</td>
  <td class="error">${r.error ?? ""}</td>
  <td>${commit}</td>
</tr>`;
}

function backupForm(target: string): Html {
  return html`<form class="backup-now" data-backup="${target}">
  <input name="note" maxlength="500" placeholder="note (optional)" aria-label="note">
  <button type="submit">Back up ${target} now</button>
  <span class="backup-result" role="status"></span>
</form>`;
}

/** A target's charts (duration, size, rows over time) and its table of runs. */
export function historySection(
  target: string,
  runs: readonly ListedRun[],
  latest: string | null,
  canQueue: boolean,
): Html {
  return html`<section class="history" id="history-${target}" data-fragment
  data-latest-for="${target}" data-latest="${latest ?? ""}">
<h2><a href="/targets/${encodeURIComponent(target)}">${target}</a></h2>
${canQueue ? backupForm(target) : ""}
${
  runs.length === 0
    ? html`<p class="empty">No run yet.</p>`
    : html`<div class="charts" data-chart="${target}">
  <figure><figcaption>duration (seconds)</figcaption><div class="chart" data-series="duration"></div></figure>
  <figure><figcaption>size (MiB)</figcaption><div class="chart" data-series="mib"></div></figure>
  <figure><figcaption>rows</figcaption><div class="chart" data-series="rows"></div></figure>
</div>
${jsonIsland(`chart-${target}`, chartData(runs))}
<table class="runs">
<thead><tr><th>Created</th><th>Status</th><th>Duration</th><th>Tables</th><th>Rows</th><th>Size</th><th>Triggers</th><th>Error</th><th>Commit</th></tr></thead>
<tbody>${runs.map(runRow)}</tbody>
</table>`
}
</section>`;
}
