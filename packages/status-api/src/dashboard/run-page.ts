import { formatBytes, formatDuration } from "@tablesnap/core";
import type { RunDetail, TableJob } from "@tablesnap/state";
import { html } from "hono/html";
import type { ChangesView } from "../changes.ts";
import { durationSeconds } from "../views.ts";
import { progressOf } from "./board.ts";
import { badge, ENDED, triggerText, when } from "./history.ts";
import type { Html } from "./layout.ts";

function commitOf(run: RunDetail): Html | string {
  if (run.commitSha === null) return "—";
  const sha = html`<code>${run.commitSha}</code>`;
  return run.commitUrl === null ? sha : html`<a href="${run.commitUrl}">${sha}</a>`;
}

function tableRow(t: TableJob): Html {
  return html`<tr data-table="${t.schema}.${t.name}">
  <td>${t.schema}.${t.name}</td>
  <td>${badge(t.status)}</td>
  <td class="num">${t.rows ?? "—"}</td>
  <td class="num">${t.bytes === null ? "—" : formatBytes(t.bytes)}</td>
  <td class="num">${t.durationMs === null ? "—" : formatDuration(t.durationMs / 1000)}</td>
  <td class="num">${t.attempts}</td>
  <td class="error">${t.error ?? ""}</td>
</tr>`;
}

function changesSection(c: ChangesView): Html {
  if (c === null) return html``;
  const since =
    c.since_backup_id === null ? "" : html` since backup <code>${c.since_backup_id}</code>`;
  return html`<h2>Changes</h2>
<p class="changes" data-changes>${c.summary}${since}</p>
${
  c.changed.length + c.added.length + c.removed.length === 0
    ? ""
    : html`<ul class="changes">
  ${c.changed.map(
    (t) =>
      html`<li>${t.table}: ${[t.data ? "data" : "", t.schema ? "schema" : ""].filter(Boolean).join(" and ")} changed, rows ${t.rows_before} → ${t.rows_after}</li>`,
  )}
  ${c.added.map((t) => html`<li>${t}: added</li>`)}
  ${c.removed.map((t) => html`<li>${t}: removed</li>`)}
</ul>
<p class="hint">Rows added, removed and changed by key: <code>tablesnap diff --repo CLONE</code>.</p>`
}`;
}

/** `/runs/{id}`: the run's triggers, every table's status, its errors and its commit. */
export function runBody(run: RunDetail, changes: ChangesView): Html {
  const seconds = durationSeconds(run);
  const active = !ENDED.has(run.status);
  return html`<h1>Run of <a href="/targets/${encodeURIComponent(run.target)}">${run.target}</a></h1>
<section id="run" data-fragment data-run-active="${active ? "true" : "false"}">
<dl class="run">
  <dt>Status</dt><dd>${badge(run.status)}</dd>
  <dt>Run</dt><dd><code>${run.id}</code></dd>
  <dt>Created</dt><dd>${when(run.createdAt)}</dd>
  <dt>Started</dt><dd>${when(run.startedAt)}</dd>
  <dt>Finished</dt><dd>${when(run.finishedAt)}</dd>
  <dt>Duration</dt><dd>${seconds === null ? "—" : formatDuration(seconds)}</dd>
  <dt>Progress</dt><dd data-live="progress">${progressOf(run).text}</dd>
  <dt>Backup</dt><dd>${run.backupId ?? "—"}</dd>
  <dt>Commit</dt><dd>${commitOf(run)}</dd>
  ${run.writes === null ? "" : html`<dt>GitHub writes</dt><dd>${run.writes}</dd>`}
  ${run.error === null ? "" : html`<dt>Error</dt><dd class="error" role="alert">${run.error}</dd>`}
</dl>
${changesSection(changes)}
<h2>Triggers (${run.triggers.length})</h2>
<ul class="triggers">${run.triggers.map(
    (t) => html`<li>${when(t.receivedAt)}: ${triggerText(t)}</li>`,
  )}</ul>
<h2>Tables (${run.tables.length})</h2>
<table class="tables">
<thead><tr><th>Table</th><th>Status</th><th>Rows</th><th>Size</th><th>Time</th><th>Attempts</th><th>Error</th></tr></thead>
<tbody>${run.tables.map(tableRow)}</tbody>
</table>
</section>`;
}
