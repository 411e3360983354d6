import { formatDuration } from "@tablesnap/core";
import type { ListedRun } from "@tablesnap/state";
import { html } from "hono/html";
import type { TargetLine } from "./board.ts";
import { historySection } from "./history.ts";
import type { Html } from "./layout.ts";

/** The texts of a target's live cells: the page renders them, the events stream updates them. */
export function lineTexts(l: TargetLine) {
  const age =
    l.ageSeconds === null
      ? "no good backup yet"
      : `${formatDuration(l.ageSeconds)} ago (limit ${formatDuration(l.limitSeconds)})`;
  const now =
    l.running !== null
      ? l.running.text
      : l.pending !== null
        ? `queued: starts after ${l.pending.notBefore.slice(11, 19)}Z`
        : "idle";
  return { state: l.state, age, now, failure: l.lastFailure?.error ?? "" };
}

function targetRow(l: TargetLine): Html {
  const t = lineTexts(l);
  return html`<tr data-target="${l.target}">
  <td><a href="/targets/${encodeURIComponent(l.target)}">${l.target}</a></td>
  <td><span class="badge state-${t.state}" data-live="state">${t.state}</span></td>
  <td data-live="age">${t.age}</td>
  <td data-live="now">${t.now}</td>
  <td class="error" data-live="failure">${t.failure}</td>
</tr>`;
}

/** `/`: every target at a glance, then each target's history. */
export function overviewBody(
  lines: readonly TargetLine[],
  histories: ReadonlyMap<string, readonly ListedRun[]>,
  canQueue: boolean,
): Html {
  return html`<h1>Backups</h1>
<table class="targets" data-live-board>
<thead><tr><th>Target</th><th>State</th><th>Last good backup</th><th>Now</th><th>Last failure</th></tr></thead>
<tbody>${lines.map(targetRow)}</tbody>
</table>
${lines.map((l) => historySection(l.target, histories.get(l.target) ?? [], l.latest, canQueue))}`;
}

/** `/targets/{target}`: one target's line and its longer history. */
export function targetBody(l: TargetLine, runs: readonly ListedRun[], canQueue: boolean): Html {
  return html`<h1>${l.target}</h1>
<table class="targets" data-live-board>
<thead><tr><th>Target</th><th>State</th><th>Last good backup</th><th>Now</th><th>Last failure</th></tr></thead>
<tbody>${targetRow(l)}</tbody>
</table>
${historySection(l.target, runs, l.latest, canQueue)}`;
}
