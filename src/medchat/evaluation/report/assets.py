"""The report page's stylesheet and script, inlined into every page so it opens offline and fetches nothing.

The script only reads the page's embedded JSON and builds the sample viewer with ``textContent``, never
``innerHTML``, so model answers and judge explanations are shown as text whatever they contain.
"""

CSS = """
:root { --ink:#1f2933; --muted:#5f6b7a; --line:#e4e7eb; --bg:#f5f7fa; --card:#fff; --accent:#2f5d8a;
  --good:#2e7d4f; --good-bg:#e8f5ec; --warn:#9a5b00; --warn-bg:#fff4e0; --bad:#b42318; --bad-bg:#fdecea; }
* { box-sizing:border-box; }
html { scroll-behavior:smooth; }
body { margin:0; background:var(--bg); color:var(--ink); font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
  "Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif; }
.wrap { max-width:1280px; margin:0 auto; padding:0 24px; }
header.top { background:#17324d; color:#fff; padding:20px 0 0; }
header.top .brand { font-size:12px; letter-spacing:.08em; text-transform:uppercase; opacity:.75; }
header.top h1 { margin:4px 0 6px; font-size:24px; font-weight:650; }
header.top .sub { margin:0 0 14px; opacity:.85; font-size:13px; }
header.top nav { display:flex; flex-wrap:wrap; gap:4px; }
header.top nav a { color:#dbe7f3; text-decoration:none; padding:8px 12px; border-radius:6px 6px 0 0; font-size:13px; }
header.top nav a:hover { background:rgba(255,255,255,.12); color:#fff; }
main.wrap { padding-top:20px; padding-bottom:40px; }
section.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:20px 24px;
  margin:0 0 20px; box-shadow:0 1px 2px rgba(16,24,40,.04); }
h2 { font-size:19px; margin:0 0 4px; }
h3 { font-size:15px; margin:22px 0 8px; }
p.meta, .muted { color:var(--muted); }
p.meta { margin:0 0 14px; }
code { font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; background:#f0f2f5; padding:1px 5px;
  border-radius:4px; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(150px,1fr)); gap:12px; margin:12px 0 4px; }
.stat { border:1px solid var(--line); border-radius:8px; padding:10px 14px; background:#fbfcfd; }
.stat .label { font-size:12px; color:var(--muted); }
.stat .value { font-size:20px; font-weight:650; font-variant-numeric:tabular-nums; }
.runs { display:grid; grid-template-columns:repeat(auto-fit,minmax(360px,1fr)); gap:16px; }
.run h3 { margin-top:6px; }
dl.kv { display:grid; grid-template-columns:max-content 1fr; gap:4px 14px; margin:8px 0 0; font-size:13px; }
dl.kv dt { color:var(--muted); }
dl.kv dd { margin:0; overflow-wrap:anywhere; }
.pill { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600;
  background:#e8eef5; color:var(--accent); vertical-align:middle; }
.pill.completed { background:var(--good-bg); color:var(--good); }
.pill.failed, .pill.interrupted, .pill.incomplete, .pill.over_budget { background:var(--bad-bg); color:var(--bad); }
.pill.running { background:var(--warn-bg); color:var(--warn); }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; vertical-align:0; }
.table-wrap { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:13px; font-variant-numeric:tabular-nums; }
th, td { padding:7px 10px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; background:#fafbfc; white-space:nowrap; }
td.num, th.num { text-align:right; white-space:nowrap; }
tbody tr:hover { background:#f7f9fc; }
td .ci { display:block; color:var(--muted); font-size:11.5px; }
td.best .v { font-weight:700; }
td.best { background:#f1f7fd; }
.rank { color:var(--muted); width:28px; }
.warn { color:var(--warn); font-weight:600; }
.figs { display:grid; grid-template-columns:repeat(auto-fit,minmax(520px,1fr)); gap:18px; margin-top:14px; }
figure { margin:0; border:1px solid var(--line); border-radius:8px; padding:8px; background:#fff; }
figure figcaption { font-size:12px; color:var(--muted); padding:4px 6px 2px; }
svg.chart { display:block; width:100%; height:auto; }
svg.chart text { dominant-baseline:auto; }
ul.findings { list-style:none; margin:8px 0 0; padding:0; }
ul.findings li { border-left:4px solid var(--line); padding:6px 12px; margin:6px 0; background:#fafbfc;
  border-radius:0 6px 6px 0; }
ul.findings li.sig { border-left-color:var(--good); background:var(--good-bg); }
ul.findings .task { font-size:12px; color:var(--muted); margin-right:6px; }
td.verdict { min-width:260px; color:#334155; }
td.model { min-width:150px; }
.nb { white-space:nowrap; }
figure svg.chart { margin:0 auto; }
td.sig-yes { color:var(--good); font-weight:600; }
.caveat { display:block; color:var(--warn); font-weight:600; font-size:11px; }
th .caveat { white-space:normal; max-width:180px; margin-left:auto; }
tfoot tr.separation th, tfoot tr.separation td { border-top:2px solid var(--line); border-bottom:0; background:#fafbfc;
  font-size:12px; }
td.sep { color:var(--muted); white-space:normal; }
td.sep-separates { color:var(--good); font-weight:600; }
td.sep-does-not-separate { color:var(--bad); font-weight:600; }
ul.left-out { margin:0 0 12px; padding-left:20px; color:var(--warn); }
p.left-out { margin:8px 0 2px; }
.note { font-size:12.5px; color:var(--muted); }
.viewer { display:grid; grid-template-columns:320px 1fr; gap:16px; min-height:520px; }
.viewer aside { border:1px solid var(--line); border-radius:8px; padding:10px; display:flex; flex-direction:column;
  gap:8px; max-height:780px; background:#fbfcfd; }
.viewer aside input, .viewer aside select { width:100%; padding:7px 9px; border:1px solid #cbd2d9; border-radius:6px;
  font:inherit; background:#fff; }
#sample-items { overflow-y:auto; flex:1; display:flex; flex-direction:column; gap:4px; }
button.sample-item { text-align:left; border:1px solid transparent; background:#fff; border-radius:6px;
  padding:7px 9px; cursor:pointer; font:inherit; color:inherit; }
button.sample-item:hover { border-color:#cbd2d9; }
button.sample-item.active { border-color:var(--accent); background:#eef4fa; }
.sample-item .sid { font-weight:600; font-size:13px; }
.sample-item .stask { font-size:11px; color:var(--muted); margin-left:6px; }
.sample-item .q { display:block; font-size:12px; color:var(--muted); white-space:nowrap; overflow:hidden;
  text-overflow:ellipsis; }
.dots { display:inline-flex; gap:3px; margin-left:6px; vertical-align:1px; }
.dot { width:8px; height:8px; border-radius:50%; display:inline-block; }
.dot.err { background:#1f2933; border-radius:1px; }
#sample-detail { border:1px solid var(--line); border-radius:8px; padding:14px 18px; min-width:0; }
#sample-detail h3 { margin:0 0 4px; font-size:17px; }
.chips { display:flex; flex-wrap:wrap; gap:4px; margin:4px 0 10px; }
.chip { font-size:11.5px; padding:1px 8px; border-radius:999px; background:#eef1f4; color:#3e4c59; }
.msg { border-radius:8px; padding:8px 12px; margin:6px 0; white-space:pre-wrap; overflow-wrap:anywhere; }
.msg .role { display:block; font-size:11px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted);
  margin-bottom:2px; }
.msg.user { background:#eef4fa; }
.msg.assistant { background:#f3f7ef; }
.msg.system { background:#f5f3fa; font-size:12.5px; }
.msg.reference { background:#fff8e6; }
.tabs { display:flex; flex-wrap:wrap; gap:4px; margin:14px 0 6px; }
.tabs button { border:1px solid #cbd2d9; background:#fff; border-radius:999px; padding:3px 12px; cursor:pointer;
  font:inherit; font-size:12.5px; }
.tabs button.active { background:var(--accent); color:#fff; border-color:var(--accent); }
.result { border:1px solid var(--line); border-radius:8px; padding:10px 14px; margin:10px 0; }
.result header { display:flex; flex-wrap:wrap; align-items:center; gap:8px; font-weight:600; }
.result header .facts { font-weight:400; font-size:12px; color:var(--muted); }
.result .error { background:var(--bad-bg); color:var(--bad); padding:8px 12px; border-radius:6px; margin-top:8px;
  white-space:pre-wrap; }
.result table { margin-top:8px; }
.result td pre { margin:4px 0 0; white-space:pre-wrap; font-size:11.5px; max-height:260px; overflow:auto;
  background:#f6f8fa; padding:6px 8px; border-radius:6px; }
details summary { cursor:pointer; color:var(--accent); font-size:12.5px; }
footer { color:var(--muted); font-size:12px; padding:8px 0 30px; }
@media (max-width: 860px) { .viewer { grid-template-columns:1fr; } .figs { grid-template-columns:1fr; } }
@media print { header.top nav, .viewer aside { display:none; } .viewer { grid-template-columns:1fr; }
  section.card { break-inside:avoid; box-shadow:none; } }
"""

JS = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("samples-data").textContent);
  var list = document.getElementById("sample-items");
  var detail = document.getElementById("sample-detail");
  var filter = document.getElementById("sample-filter");
  var taskFilter = document.getElementById("task-filter");
  var count = document.getElementById("sample-count");
  var state = { key: null, model: "" };

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function num(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v !== "number") return String(v);
    if (v === 0) return "0";
    return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
  }
  function seconds(v) {
    if (v === null || v === undefined) return null;
    return v < 1 ? (v * 1000).toFixed(0) + " ms" : v.toFixed(2) + " s";
  }
  function scoreColor(t) {
    t = Math.max(0, Math.min(1, t));
    return "hsl(" + (20 + t * 190) + ",65%," + (50 - t * 8) + "%)";
  }
  function scoreText(value) {
    if (value === null || value === undefined) return "not applicable";
    if (typeof value === "object") {
      return Object.keys(value).map(function (k) { return k + " " + num(value[k]); }).join(" · ");
    }
    return num(value);
  }
  function message(role, text, cls) {
    var box = el("div", "msg " + (cls || role));
    box.appendChild(el("span", "role", role));
    box.appendChild(document.createTextNode(text));
    return box;
  }
  function matches(sample, needle) {
    if (!needle) return true;
    var hay = [sample.id, sample.task, sample.question].concat(sample.tags).join(" ").toLowerCase();
    return hay.indexOf(needle) !== -1;
  }

  function renderList() {
    var needle = filter.value.trim().toLowerCase();
    var task = taskFilter.value;
    list.textContent = "";
    var shown = 0;
    data.samples.forEach(function (sample) {
      if ((task && sample.task !== task) || !matches(sample, needle)) return;
      shown += 1;
      var item = el("button", "sample-item" + (sample.key === state.key ? " active" : ""));
      item.type = "button";
      item.setAttribute("data-key", sample.key);
      item.appendChild(el("span", "sid", sample.id));
      item.appendChild(el("span", "stask", sample.task));
      var dots = el("span", "dots");
      data.models.forEach(function (model) {
        var p = sample.primary[model];
        if (p === undefined) return;
        var dot = el("span", p === null ? "dot err" : "dot");
        if (p !== null) dot.style.background = scoreColor(p);
        dot.title = model + ": " + (p === null ? "error" : num(p));
        dots.appendChild(dot);
      });
      item.appendChild(dots);
      item.appendChild(el("span", "q", sample.question));
      item.addEventListener("click", function () { select(sample.key); });
      list.appendChild(item);
    });
    count.textContent = shown + " of " + data.samples.length + " samples";
  }

  function renderResult(result) {
    var box = el("div", "result");
    var head = el("header");
    var swatch = el("span", "swatch");
    swatch.style.background = data.colors[result.model] || "#999";
    head.appendChild(swatch);
    head.appendChild(el("span", null, result.model));
    if (data.epochs > 1) head.appendChild(el("span", "chip", "epoch " + (result.epoch + 1)));
    var facts = [];
    if (result.timing) {
      var ttft = result.timing.ttft_s;
      if (ttft !== null && ttft !== undefined) facts.push("TTFT " + seconds(ttft));
      if (result.timing.total_s) facts.push("total " + seconds(result.timing.total_s));
    }
    if (result.tokens) facts.push(result.tokens + " tokens");
    if (result.cost_usd !== null && result.cost_usd !== undefined) facts.push("$" + num(result.cost_usd));
    if (result.finish_reason && result.finish_reason !== "stop") facts.push("finish: " + result.finish_reason);
    head.appendChild(el("span", "facts", facts.join(" · ")));
    box.appendChild(head);
    if (result.error) {
      box.appendChild(el("div", "error", "No answer: " + result.error));
      return box;
    }
    box.appendChild(message("answer", result.answer, "assistant"));
    if (result.transcript && result.transcript.length) {
      var more = el("details");
      more.appendChild(el("summary", null, "Full transcript as sent (" + result.transcript.length + " messages)"));
      result.transcript.forEach(function (m) { more.appendChild(message(m.role, m.content)); });
      box.appendChild(more);
    }
    if (result.scores.length) {
      var table = el("table");
      var thead = el("thead");
      var hr = el("tr");
      ["Scorer", "Value", "Extracted", "Explanation"].forEach(function (h) { hr.appendChild(el("th", null, h)); });
      thead.appendChild(hr);
      table.appendChild(thead);
      var body = el("tbody");
      result.scores.forEach(function (s) {
        var tr = el("tr");
        tr.appendChild(el("td", null, s.name));
        tr.appendChild(el("td", null, scoreText(s.value)));
        tr.appendChild(el("td", null, s.answer === null || s.answer === undefined ? "" : s.answer));
        var expl = el("td", null, s.explanation || "");
        if (s.metadata && Object.keys(s.metadata).length) {
          var d = el("details");
          var judge = s.metadata.judge;
          var judgeName = typeof judge === "string" ? judge : judge && judge.model;
          d.appendChild(el("summary", null, judgeName ? "judge " + judgeName + " · details" : "details"));
          d.appendChild(el("pre", null, JSON.stringify(s.metadata, null, 2)));
          expl.appendChild(d);
        }
        tr.appendChild(expl);
        body.appendChild(tr);
      });
      table.appendChild(body);
      box.appendChild(table);
    }
    return box;
  }

  function renderDetail() {
    detail.textContent = "";
    var sample = data.samples.find(function (s) { return s.key === state.key; });
    if (!sample) { detail.appendChild(el("p", "muted", "Select a sample on the left.")); return; }
    detail.appendChild(el("h3", null, sample.id));
    var chips = el("div", "chips");
    chips.appendChild(el("span", "chip", "task: " + sample.task));
    sample.tags.forEach(function (t) { chips.appendChild(el("span", "chip", t)); });
    detail.appendChild(chips);
    sample.input.forEach(function (m) { detail.appendChild(message(m.role, m.content)); });
    sample.target.forEach(function (t) { detail.appendChild(message("reference", t)); });
    var tabs = el("div", "tabs");
    [""].concat(sample.models).forEach(function (model) {
      var b = el("button", model === state.model ? "active" : "", model || "All models");
      b.type = "button";
      b.setAttribute("data-model", model);
      b.addEventListener("click", function () { state.model = model; renderDetail(); });
      tabs.appendChild(b);
    });
    detail.appendChild(tabs);
    sample.results.forEach(function (r) {
      if (!state.model || r.model === state.model) detail.appendChild(renderResult(r));
    });
  }

  function select(key) {
    state.key = key;
    var sample = data.samples.find(function (s) { return s.key === key; });
    if (sample && state.model && sample.models.indexOf(state.model) === -1) state.model = "";
    Array.prototype.forEach.call(list.querySelectorAll(".sample-item"), function (item) {
      item.classList.toggle("active", item.getAttribute("data-key") === key);
    });
    renderDetail();
  }

  filter.addEventListener("input", renderList);
  taskFilter.addEventListener("change", renderList);
  renderList();
  if (data.samples.length) select(data.samples[0].key); else renderDetail();
})();
"""
