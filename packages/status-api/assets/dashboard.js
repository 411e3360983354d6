// The dashboard's browser side: charts (uPlot, served by this server), live updates from the
// server-sent events at /ui/events, and the "back up now" form. No framework, no build step.

const SERIES = {
  duration: { label: "duration (s)", failed: "durationFailed" },
  mib: { label: "size (MiB)", failed: "mibFailed" },
  rows: { label: "rows", failed: "rowsFailed" },
};

/** Every chart by target, for tests and the console: `tablesnapCharts.default[0].data`. */
window.tablesnapCharts = {};

function drawCharts() {
  for (const box of document.querySelectorAll("[data-chart]")) {
    const target = box.dataset.chart;
    const island = document.getElementById(`chart-${target}`);
    if (!island || typeof uPlot === "undefined") continue;
    const data = JSON.parse(island.textContent);
    for (const old of window.tablesnapCharts[target] ?? []) old.destroy();
    window.tablesnapCharts[target] = [...box.querySelectorAll(".chart")].map((el) => {
      const s = SERIES[el.dataset.series];
      return new uPlot(
        {
          width: Math.max(280, el.clientWidth),
          height: 180,
          // One run alone gets an hour either side instead of a span of years.
          scales: {
            x: {
              time: true,
              range: (_u, min, max) => (min === max ? [min - 3600, max + 3600] : [min, max]),
            },
          },
          axes: [{}, { size: 60 }],
          series: [
            {},
            { label: s.label, stroke: "#1f5fbf", width: 2, points: { show: true, size: 6 } },
            {
              label: "failed",
              stroke: "#c62828",
              paths: () => null,
              points: { show: true, size: 9, fill: "#c62828" },
            },
          ],
        },
        [data.time, data[el.dataset.series], data[s.failed]],
        el,
      );
    });
  }
}

/** Fetches this page again and swaps every `[data-fragment]` for its new version. */
let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const res = await fetch(location.href, {
      credentials: "same-origin",
      signal: AbortSignal.timeout(10_000),
    });
    // A session that ended lands on /login: reload, so the page says so.
    if (res.redirected && new URL(res.url).pathname === "/login") location.reload();
    if (!res.ok || res.redirected) return;
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    for (const fresh of doc.querySelectorAll("[data-fragment][id]")) {
      document.getElementById(fresh.id)?.replaceWith(document.importNode(fresh, true));
    }
    drawCharts();
    bindForms();
  } catch {
    // A refresh that failed or timed out: the next event tries again.
  } finally {
    refreshing = false;
  }
}

function onBoard(lines) {
  for (const l of lines) {
    const row = document.querySelector(`tr[data-target="${CSS.escape(l.target)}"]`);
    if (row) {
      const state = row.querySelector('[data-live="state"]');
      state.textContent = l.state;
      state.className = `badge state-${l.state}`;
      row.querySelector('[data-live="age"]').textContent = l.age;
      row.querySelector('[data-live="now"]').textContent = l.now;
      row.querySelector('[data-live="failure"]').textContent = l.failure;
    }
    const history = document.querySelector(`[data-latest-for="${CSS.escape(l.target)}"]`);
    if (history && history.dataset.latest !== (l.latest ?? "")) refresh();
  }
  if (document.querySelector('[data-run-active="true"]')) refresh();
}

function bindForms() {
  for (const form of document.querySelectorAll("form[data-backup]:not([data-bound])")) {
    form.dataset.bound = "yes";
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = form.querySelector(".backup-result");
      const note = form.elements.note.value.trim();
      result.textContent = "queueing…";
      const res = await fetch(
        `/api/v1/targets/${encodeURIComponent(form.dataset.backup)}/backups`,
        {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(note === "" ? {} : { note }),
        },
      );
      const body = await res.json().catch(() => ({}));
      result.textContent = res.ok
        ? `queued (trigger ${body.trigger_id}); the run appears below`
        : `not queued: ${body.error?.message ?? res.status}`;
    });
  }
}

drawCharts();
bindForms();
if (document.querySelector("[data-live-board], [data-run-active]")) {
  const events = new EventSource("/ui/events");
  events.addEventListener("board", (e) => onBoard(JSON.parse(e.data)));
}
