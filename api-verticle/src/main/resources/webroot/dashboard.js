// The status page's script (served by DashboardHandler as a file: the page's CSP allows no inline script).
// Follows the workers' load over the event-bus bridge when it is on (else polls /v1/status every second), and
// polls /v1/status/history and /v1/status/usage every ten; draws the tables, a 15-minute chart per model, and
// the cluster's images per hour (last 24 h) by model and by tenant with Chart.js (vendored:
// /dashboard/chart.umd.min.js).
"use strict";

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c]));
const short = (id) => esc(String(id ?? "").slice(0, 8));
const ms = (v) => v >= 1000 ? (v / 1000).toFixed(1) + " s" : v + " ms";
// Busy and free slots as an SVG bar: drawn with attributes, not style="", which the CSP forbids.
const bar = (busy, slots) => {
  const b = slots ? Math.min(busy, slots) / slots * 100 : 0;
  return `<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none"><rect class="b" width="${b}" height="10"/>`
    + `<rect class="f" x="${b}" width="${100 - b}" height="10"/></svg> ${busy}/${slots}`;
};
const rows = (table, html) => { $(table).querySelector("tbody").innerHTML = html || `<tr><td class="empty" colspan="8">none</td></tr>`; };

function render(s) {
  const models = Object.entries(s.models || {});
  rows("models", models.map(([name, m]) => `<tr data-model="${esc(name)}"><td>${esc(name)}</td>
    <td class="num">${m.waiting}</td><td class="num">${m.running}</td><td class="num">${m.slots}</td>
    <td>${bar(m.busySlots, m.slots)}</td><td class="num">${m.workers.length}</td></tr>`).join(""));
  const workers = new Map();
  models.forEach(([name, m]) => m.workers.forEach((w) => {
    const seen = workers.get(w.workerId) || { ...w, models: [] };
    seen.models.push(name);
    workers.set(w.workerId, seen);
  }));
  rows("workers", [...workers.values()].map((w) => `<tr data-worker="${esc(w.workerId)}">
    <td class="mono" title="${esc(w.workerId)}">${short(w.node)}/${esc(w.workerId.split("/").pop())}</td>
    <td><span class="tag">${esc(w.backend)}</span></td><td>${w.models.map(esc).join(", ")}</td>
    <td>${bar(w.busy, w.slots)}</td><td>${w.draining ? '<span class="err">draining</span>' : ""}</td></tr>`).join(""));
  const workerNodes = new Set([...workers.values()].map((w) => w.node));
  rows("nodes", (s.nodes || []).map((n) => `<tr data-node="${esc(n)}"><td class="mono">${esc(n)}</td>
    <td>${n === s.node ? "API (this page)" : workerNodes.has(n) ? "worker" : "other"}</td></tr>`).join(""));
  rows("jobs", (s.recentJobs || []).map((j) => `<tr data-job="${esc(j.id)}"><td class="mono">${esc(j.id)}</td>
    <td>${esc(j.model)}</td><td class="${j.outcome === "done" ? "done" : "err"}">${esc(j.outcome)}</td>
    <td class="num">${ms(j.waitedMs)}</td><td class="num">${ms(j.ranMs)}</td><td class="num">${j.attempts}</td>
    <td class="mono">${short(j.workerId)}</td><td>${new Date(j.endedAt).toLocaleTimeString()}</td></tr>`).join(""));
}

// --- the 15-minute chart ---------------------------------------------------------------------------------------
const W = 520, H = 64, PAD = 12;

// One small step chart: series = [{cls, values}], one value a step; steps[i] = [start, end] in ms, over [from, to].
function spark(model, name, steps, series, from, to, unit) {
  const scale = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (t) => ((t - from) / (to - from) * (W - 2) + 1).toFixed(1);
  const y = (v) => (H - PAD - v / scale * (H - 2 * PAD)).toFixed(1);
  const points = (values) => values.map((v, i) => `${x(steps[i][0])},${y(v)} ${x(steps[i][1])},${y(v)}`).join(" ");
  const lines = series.map((s) => `<polyline class="${s.cls}" points="${points(s.values)}"/>`);
  const values = series[0].values;
  const round = (v) => Math.round(v * 10) / 10;
  const last = round(values[values.length - 1] ?? 0), peak = round(Math.max(0, ...values));
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" data-model="${esc(model)}" data-series="${name}" data-points="${values.length}"`
    + ` data-last="${last}" data-peak="${peak}" role="img" aria-label="${esc(model)} ${name}: now ${last} ${unit}, peak ${peak}">`
    + `<line class="axis" x1="0" y1="${H - PAD}" x2="${W}" y2="${H - PAD}"/>${lines.join("")}`
    + `<text x="2" y="9">peak ${peak}</text><text x="${W - 2}" y="9" text-anchor="end">now ${last} ${unit}</text>`
    + `<text x="2" y="${H - 1}">−15 min</text><text x="${W - 2}" y="${H - 1}" text-anchor="end">now</text></svg>`;
}

function renderHistory(h) {
  const to = h.time, from = to - h.steps * h.stepMs;
  rows("history", Object.entries(h.models || {}).map(([model, m]) => {
    // Each step spans [start, end] (the one under way ends now); jobs per minute sums the steps of the last 60 s.
    const steps = m.start.map((s) => [Math.max(s, from), Math.min(s + h.stepMs, to)]);
    const perMinute = (counts) => counts.map((_, i) => counts.reduce((sum, c, j) =>
      j <= i && steps[i][1] - steps[j][1] < 60000 ? sum + c : sum, 0));
    const ended = m.ended.reduce((a, b) => a + b, 0);
    return `<tr data-history="${esc(model)}" data-ended="${ended}"><td>${esc(model)}</td>
      <td class="chart">${spark(model, "queue", steps, [{ cls: "queue", values: m.waiting }], from, to, "waiting")}</td>
      <td class="chart">${spark(model, "jobs", steps, [{ cls: "jobs", values: perMinute(m.ended) },
        { cls: "failed", values: perMinute(m.failed) }], from, to, "/min")}</td></tr>`;
  }).join(""));
}

// --- the usage view: images per hour over 24 h (Chart.js), top tenants --------------------------------------------
const PALETTE = ["#58a6ff", "#3fb950", "#f0883e", "#d2a8ff", "#f85149", "#e3b341", "#39c5cf", "#ff7b72", "#a5d6ff", "#7ee787"];
const charts = {};
const hourLabel = (ms) => String(new Date(ms).getHours()).padStart(2, "0") + ":00";

// After each draw, counts the pixels of the chart area painted in the first series' colour: the canvas says it
// really drew bars (data-bar-pixels), which its DOM alone cannot show.
const barPixels = {
  id: "genbusBarPixels",
  afterRender(chart) {
    const area = chart.chartArea, r = chart.currentDevicePixelRatio || 1;
    const [red, green, blue] = [1, 3, 5].map((i) => parseInt(PALETTE[0].slice(i, i + 2), 16));
    let count = 0;
    try {
      const px = chart.ctx.getImageData(area.left * r, area.top * r, Math.max(1, area.width * r), Math.max(1, area.height * r)).data;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i] === red && px[i + 1] === green && px[i + 2] === blue && px[i + 3] === 255) count++;
      }
    } catch (e) {
      count = -1;
    }
    chart.canvas.dataset.barPixels = count;
  },
};

function drawUsage(id, labels, series) {
  const canvas = $(id);
  const datasets = Object.entries(series).map(([name, values], i) => ({
    label: name, data: values, backgroundColor: PALETTE[i % PALETTE.length], borderWidth: 0 }));
  canvas.dataset.series = Object.keys(series).join(",");
  canvas.dataset.total = datasets.reduce((sum, d) => sum + d.data.reduce((a, b) => a + b, 0), 0);
  if (charts[id]) {
    charts[id].data.labels = labels;
    charts[id].data.datasets = datasets;
    charts[id].update("none");
    return;
  }
  const axis = { ticks: { color: "#8b98a5" }, grid: { color: "#2a3441" }, stacked: true };
  charts[id] = new Chart(canvas, {
    type: "bar",
    data: { labels, datasets },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: { x: { ...axis, ticks: { ...axis.ticks, maxRotation: 0, autoSkip: true } },
        y: { ...axis, beginAtZero: true, ticks: { ...axis.ticks, precision: 0 } } },
      plugins: { legend: { labels: { color: "#e6edf3", boxWidth: 12 } } },
    },
    plugins: [barPixels],
  });
}

function renderUsage(u) {
  if (typeof Chart === "undefined") {
    $("usageNote").textContent = "the chart library did not load";
    return;
  }
  const labels = u.hours.map(hourLabel);
  drawUsage("usageByModel", labels, u.byModel || {});
  drawUsage("usageByTenant", labels, u.byTenant || {});
  rows("topTenants", (u.topTenants || []).map((t) => `<tr data-tenant="${esc(t.key)}" data-images="${t.images}"><td>${esc(t.key)}</td>
    <td class="num">${t.images}</td><td class="num">${t.requests}</td><td class="num">${t.jobs}</td>
    <td class="num ${t.failed ? "err" : ""}">${t.failed}</td></tr>`).join(""));
  $("usageNote").textContent = u.persistent
    ? "Every job is also kept in PostgreSQL: GET /v1/usage for any range."
    : "No database (db.url): usage is kept only as hourly totals in cluster memory, for 8 days.";
}

function renderDurable(list) {
  rows("durable", (list.data || []).map((j) => `<tr data-durable="${esc(j.id)}"><td class="mono">${esc(j.id)}</td>
    <td>${esc(j.model)}</td><td class="${j.status === "failed" || j.status === "cancelled" ? "err" : j.status === "succeeded" ? "done" : ""}">${esc(j.status)}</td>
    <td class="num">${j.attempts}</td><td>${j.webhook ? (j.webhook.delivered ? "delivered" : j.webhook.attempts.length + " attempt(s)") : ""}</td>
    <td>${new Date(j.created_at * 1000).toLocaleTimeString()}</td></tr>`).join(""));
}

// --- polling -----------------------------------------------------------------------------------------------------
function authHeaders() {
  const key = localStorage.getItem("genbusKey");
  return key ? { Authorization: "Bearer " + key } : {};
}

async function get(path) {
  const res = await fetch(path, { headers: authHeaders() });
  if (res.status === 401) {
    $("key").hidden = false;
    $("state").textContent = "needs an API key"; $("state").className = "bad";
    return null;
  }
  $("key").hidden = true;
  return res.json();
}

async function refresh() {
  try {
    const status = await get("/v1/status");
    if (status) {
      render(status);
      $("state").textContent = "live · " + new Date().toLocaleTimeString(); $("state").className = "ok";
    }
  } catch (e) {
    $("state").textContent = "unreachable"; $("state").className = "bad";
  }
}

async function refreshHistory() {
  try {
    const history = await get("/v1/status/history");
    if (history) {
      renderHistory(history);
    }
  } catch (e) {
    // the status poll reports an unreachable node
  }
}

async function refreshUsage() {
  try {
    const usage = await get("/v1/status/usage");
    if (usage) {
      renderUsage(usage);
    }
  } catch (e) {
    // the status poll reports an unreachable node
  }
}

// The job list reads every record of the cluster: every 5 s is often enough for a page.
async function refreshDurable() {
  try {
    const jobs = await get("/v1/jobs?limit=20");
    if (jobs) {
      renderDurable(jobs);
    }
  } catch (e) {
    // the status poll reports an unreachable node
  }
}

$("keySave").onclick = () => {
  localStorage.setItem("genbusKey", $("keyInput").value); refresh(); refreshHistory(); refreshUsage(); refreshDurable();
  if (!live) {
    follow();
  }
};
// With api.eventBusBridge on, the page follows the workers' load publications (every change of a slot, and
// every heartbeat) over the bridge's WebSocket and refreshes when one arrives; the 1-s poll is then only a
// 10-s safety net. Without the bridge, or while it is down, the page polls every second.
let live = false;
let pending = false;
let socket = null;

function liveRefresh() {
  if (!pending) {
    pending = true;
    setTimeout(() => { pending = false; refresh(); }, 200);
  }
}

function setLive(on) {
  live = on;
  document.body.dataset.live = on ? "bridge" : "poll";
}

async function follow() {
  if (socket && socket.readyState <= WebSocket.OPEN) {
    return; // already following (or connecting)
  }
  const info = await fetch("/eventbus/info").catch(() => null);
  if (!info || !info.ok) {
    setLive(false); // no bridge on this node: poll
    return;
  }
  const ws = socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/eventbus/websocket");
  ws.binaryType = "arraybuffer";
  ws.onopen = () => {
    const key = localStorage.getItem("genbusKey");
    ws.send(JSON.stringify({ type: "register", address: "genbus.workers.load",
      headers: key ? { "genbus-api-key": key } : {} }));
    setLive(true); // a refusal comes back as an error, and closes it
  };
  ws.onmessage = (m) => {
    const msg = JSON.parse(typeof m.data === "string" ? m.data : new TextDecoder().decode(m.data));
    if (msg.type === "rec") {
      liveRefresh();
    } else if (msg.type === "err") {
      ws.close(); // refused (no key yet, or a wrong one): poll
    }
  };
  ws.onclose = () => {
    setLive(false);
    setTimeout(follow, 5000);
  };
}

refresh();
refreshHistory();
refreshUsage();
refreshDurable();
follow();
setInterval(() => { if (!live) refresh(); }, 1000);
setInterval(() => { if (live) refresh(); }, 10000);
setInterval(refreshHistory, 10000);
setInterval(refreshUsage, 10000);
setInterval(refreshDurable, 5000);
