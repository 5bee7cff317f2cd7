#include "pictures/html.h"

#include <fmt/format.h>

#include <strings.h>

#include <filesystem>

namespace nssim::cli {

using nlohmann::json;

HtmlRecorder::HtmlRecorder(const Scenario& sc, Runner& runner, bool real, std::string real_note)
    : sc_(sc), runner_(runner), real_(real), real_note_(std::move(real_note)) {
  title_ =
      sc.file == "-" || sc.file.empty() ? std::string("<stdin>") : std::filesystem::path(sc.file).filename().string();
}

std::string HtmlRecorder::draw(const ModelSnapshot& cur, const ModelSnapshot* prev, const std::string& caption,
                               bool with_kernel) {
  DrawOptions d = base_;
  d.title = title_;
  d.subtitle = caption;
  d.ns_names = let_labels(runner_.lets());
  if (real_ && with_kernel)
    for (auto& [serial, kin] : kernel_inum_)
      if (cur.ns(serial)) d.kernel_inum[serial] = kin;
  Graph g = build_graph(cur, prev, d);
  std::string svg, err;
  if (!render(g, Format::Svg, svg, err)) {
    if (render_error_.empty()) render_error_ = err;
    return "";
  }
  return svg_element(svg);
}

void HtmlRecorder::initial() {
  prev_ = snapshot(runner_.sim().kernel());
  json s;
  s["step"] = 0;
  s["line"] = 0;
  s["kind"] = "initial";
  s["caption"] = step_caption(nullptr);
  s["text"] = "initial state";
  s["result"] = "";
  s["ok"] = true;
  s["events"] = json::array();
  steps_.push_back({std::move(s), ""});
  // With --real the kernel's inodes of the initial namespaces are known once
  // the run has started; draw step 0 at the first step (or at the end).
  initial_pending_ = true;
  if (!real_) flush_initial();
}

void HtmlRecorder::flush_initial() {
  if (!initial_pending_) return;
  initial_pending_ = false;
  steps_[0].svg = draw(prev_, nullptr, step_caption(nullptr), true);
}

void HtmlRecorder::step(const StepRecord& r) {
  // The kernel's inode number of each model namespace a task's link shows
  // (model links carry the namespace's serial). Kept across steps: an inode
  // does not change while its namespace lives, even when no link shows it.
  if (r.peer_obs)
    for (const TaskObs& kt : r.peer_obs->tasks)
      if (const TaskObs* mt = r.obs.find(kt.name))
        for (int i = 0; i < kLinks; ++i)
          if (mt->ns[i] && kt.ns[i]) kernel_inum_[static_cast<uint32_t>(*mt->ns[i])] = kt.inum[i];
  flush_initial();
  ModelSnapshot cur = snapshot(runner_.sim().kernel());
  json s;
  s["step"] = r.step;
  s["line"] = r.line;
  s["caption"] = step_caption(&r);
  switch (r.kind) {
    case StepRecord::Call: {
      s["kind"] = "call";
      s["text"] = r.call->task + ": " + r.call->text;
      s["result"] = r.outcome.ok ? "= " + r.outcome.result : "= -1 " + r.outcome.result;
      if (r.expected) s["expected"] = *r.expected;
      s["ok"] = r.ok && r.disagreements.empty();
      break;
    }
    case StepRecord::Let:
      s["kind"] = "let";
      s["text"] = r.text;
      s["result"] = r.detail;
      s["ok"] = true;
      break;
    case StepRecord::Expect: {
      s["kind"] = "expect";
      s["text"] = "expect " + r.text;
      s["result"] = r.verdict == Verdict::Pass ? "PASS" : r.verdict == Verdict::Fail ? "FAIL" : "UNANSWERED";
      s["detail"] = r.detail;
      s["ok"] = r.verdict != Verdict::Fail;
      break;
    }
  }
  json ev = json::array();
  for (auto& e : r.events) ev.push_back({{"fn", e.fn}, {"detail", e.detail}, {"depth", e.depth}});
  s["events"] = ev;
  if (real_ && r.kind == StepRecord::Call) {
    json rj;
    if (r.peer) {
      rj["result"] = r.peer->ok ? "= " + r.peer->result : "= -1 " + r.peer->result;
      if (!r.peer->note.empty()) rj["note"] = r.peer->note;
    }
    json tasks = json::array();
    if (r.peer_obs)
      for (auto& kt : r.peer_obs->tasks) {
        const TaskObs* mt = r.obs.find(kt.name);
        json model = json::array(), kernel = json::array();
        for (int i = 0; i < kLinks; ++i) {
          model.push_back(mt && mt->ns[i] ? json(mt->inum[i]) : json(nullptr));
          kernel.push_back(kt.ns[i] ? json(kt.inum[i]) : json(nullptr));
        }
        tasks.push_back({{"name", kt.name},
                         {"state", task_state_name(kt.state)},
                         {"nspid", kt.nspid},
                         {"model", model},
                         {"kernel", kernel}});
      }
    rj["tasks"] = tasks;
    rj["disagreements"] = r.disagreements;
    s["real"] = rj;
  }
  std::string svg = draw(cur, &prev_, step_caption(&r), true);
  prev_ = std::move(cur);
  steps_.push_back({std::move(s), std::move(svg)});
}

void HtmlRecorder::finish(const RunSummary& sum, const std::string& error) {
  flush_initial();
  std::string line = fmt::format(
      "{} steps, {} calls; expectations: {} passed, {} failed{}; asserted results: {} failed", sum.steps, sum.calls,
      sum.expects_passed, sum.expects_failed,
      sum.expects_unanswered ? fmt::format(", {} unanswered", sum.expects_unanswered) : "", sum.results_failed);
  if (real_)
    line += fmt::format("; live kernel: {} disagreement{}", sum.disagreements, sum.disagreements == 1 ? "" : "s");
  summary_ = {{"text", line}, {"ok", sum.ok()}, {"error", error}};
}

std::string HtmlRecorder::page() const {
  json data;
  data["title"] = title_;
  data["file"] = sc_.file;
  data["profile"] = std::string(profile_name(runner_.sim().kernel().config().kernel));
  data["source"] = sc_.source;
  data["real"] = real_;
  data["real_note"] = real_note_;
  json links = json::array();
  for (Link l : kAllLinks) links.push_back(std::string(link_name(l)));
  data["links"] = links;
  data["summary"] = summary_;
  return html_page(data, steps_);
}

namespace {

std::string html_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

// JSON inside <script>: no '<' may appear raw (it could close the element or
// open a comment), so markup characters become \u escapes, which JSON allows
// in strings (the only place they can occur).
std::string script_json(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string o;
  o.reserve(s.size() + s.size() / 16);
  for (char c : s) {
    switch (c) {
      case '<':
        o += "\\u003c";
        break;
      case '>':
        o += "\\u003e";
        break;
      case '&':
        o += "\\u0026";
        break;
      default:
        o += c;
    }
  }
  return o;
}

constexpr const char* kStyle = R"CSS(
:root { --line: #d9d9d9; --muted: #666; --bad: #d62728; --ok: #1a7f37; --cur: #fff1a8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f1f1f;
       background: #fff; height: 100vh; display: flex; flex-direction: column; }
header { padding: 8px 14px; border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 6px 14px;
         align-items: center; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header .meta { color: var(--muted); font-size: 12px; }
#controls { display: flex; gap: 6px; align-items: center; }
#controls button { font: inherit; padding: 2px 10px; border: 1px solid #bbb; border-radius: 4px; background: #f7f7f7;
                   cursor: pointer; }
#controls button:disabled { opacity: .4; cursor: default; }
#slider { width: 220px; }
#counter { font-variant-numeric: tabular-nums; min-width: 7em; }
#stepbar { padding: 6px 14px; border-bottom: 1px solid var(--line); background: #fafafa; font-size: 13px; }
#stepbar code { font: 13px ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
#result.ok { color: var(--ok); } #result.bad { color: var(--bad); font-weight: 600; }
#detail { color: var(--muted); margin-left: .6em; }
/* Three columns: the source, the picture, and the kernel functions of the
   step beside the picture (read together: what the step did, what it left). */
main { flex: 1; display: grid; grid-template-columns: minmax(240px, 24%) 1fr minmax(260px, 26%); min-height: 0; }
#left { border-right: 1px solid var(--line); overflow: auto; min-height: 0; }
#fns { border-left: 1px solid var(--line); overflow: auto; min-height: 0; }
#left h2, #right h2, #fns h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
                               margin: 10px 12px 4px; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } #fns { border-left: 0; } }
#source { font: 12.5px/1.5 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; white-space: pre; padding: 0 0 6px; }
.src-line { padding: 0 10px 0 0; display: flex; }
.src-line .no { color: #999; width: 3.2em; text-align: right; padding-right: .8em; flex: none; user-select: none; }
.src-line.stmt { cursor: pointer; } .src-line.stmt:hover { background: #f3f3f3; }
.src-line.bad .no { color: var(--bad); font-weight: 700; }
.src-line.current { background: var(--cur); } .src-line.current:hover { background: var(--cur); }
#events { font: 12px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; padding: 0 12px 12px; margin: 0; }
#events li { list-style: none; white-space: pre-wrap; }
#events .fn { font-weight: 600; } #events .none { color: var(--muted); font-family: system-ui, sans-serif; }
#right { overflow: auto; min-height: 0; padding: 6px 10px; }
#graph svg { max-width: 100%; height: auto; display: block; }
#real table { border-collapse: collapse; font: 11.5px ui-monospace, "DejaVu Sans Mono", monospace; margin: 4px 0; }
#real th, #real td { border: 1px solid var(--line); padding: 1px 5px; text-align: right; }
#real th { background: #f3f3f3; font-weight: 600; }
#real td.k { font-weight: 600; } #real .agree { color: var(--ok); } #real ul { color: var(--bad); margin: 4px 0; }
footer { border-top: 1px solid var(--line); padding: 4px 14px; font-size: 12px; color: var(--muted); }
footer .bad { color: var(--bad); white-space: pre-wrap; font-family: ui-monospace, monospace; }
kbd { border: 1px solid #bbb; border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; font-size: 11px; }
)CSS";

constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  // The page lists every step's record (and its picture) after this script:
  // the first picture is drawn as soon as it is parsed, not after the whole
  // page (10^4 steps are ~200 MB). `data.index` has each step's line and ok.
  var data = JSON.parse(document.getElementById('nssim-data').textContent);
  var index = data.index;
  var last = index.length - 1;
  function $(id) { return document.getElementById(id); }
  // Step i's record with its SVG, or null while the page has not got that far.
  function step(i) {
    var e = $('nssim-step-' + i);
    if (!e) return null;
    var s = JSON.parse(e.textContent);
    if (s.svg === undefined) {
      var g = $('nssim-svg-' + i);
      if (!g) return null;
      s.svg = g.textContent;
    }
    return s;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Source, one row per line; a statement's row selects its step.
  var lineToStep = {};
  index.forEach(function (s, i) { if (s[0] && !(s[0] in lineToStep)) lineToStep[s[0]] = i; });
  var lines = data.source.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  var src = $('source');
  lines.forEach(function (text, i) {
    var n = i + 1, row = el('div', 'src-line');
    row.id = 'L' + n;
    row.appendChild(el('span', 'no', String(n)));
    row.appendChild(el('span', 'code', text === '' ? ' ' : text));
    if (n in lineToStep) {
      row.classList.add('stmt');
      if (!index[lineToStep[n]][1]) row.classList.add('bad');
      row.title = 'step ' + lineToStep[n];
      row.addEventListener('click', function () { show(lineToStep[n]); });
    }
    src.appendChild(row);
  });

  var slider = $('slider');
  slider.max = String(last);
  var cur = -1;
  var pending = null;  // a step asked for before the page had it
  var loaded = false;

  function realPanel(s) {
    var box = $('real');
    box.textContent = '';
    if (!data.real) { box.hidden = true; return; }
    box.hidden = false;
    box.appendChild(el('h2', '', 'Live kernel'));
    if (!s.real) {
      box.appendChild(el('div', 'agree', s.step === 0 ? 'The initial state: nothing has run yet.'
                                                       : 'Nothing runs on the kernel for this statement.'));
      return;
    }
    if (s.real.result) box.appendChild(el('div', '', 'kernel ' + s.real.result + (s.real.note ? '  (' + s.real.note + ')' : '')));
    if (s.real.disagreements.length) {
      var ul = el('ul');
      s.real.disagreements.forEach(function (d) { ul.appendChild(el('li', '', d)); });
      box.appendChild(ul);
    } else {
      box.appendChild(el('div', 'agree', 'The kernel agrees with the model.'));
    }
    var t = el('table'), head = el('tr');
    ['task', 'pid', ''].concat(data.links).forEach(function (h) { head.appendChild(el('th', '', h)); });
    t.appendChild(head);
    s.real.tasks.forEach(function (task) {
      ['model', 'kernel'].forEach(function (side, k) {
        var tr = el('tr');
        if (k === 0) {
          var n = el('th', '', task.name); n.rowSpan = 2; tr.appendChild(n);
          var p = el('td', '', task.nspid.length ? task.nspid.join(' ') : '-'); p.rowSpan = 2; tr.appendChild(p);
        }
        tr.appendChild(el('th', '', side));
        task[side].forEach(function (v) { tr.appendChild(el('td', k ? 'k' : '', v === null ? '-' : String(v))); });
        t.appendChild(tr);
      });
    });
    box.appendChild(t);
  }

  function show(i) {
    if (isNaN(i)) i = 0;
    if (last < 0) return;
    i = Math.max(0, Math.min(last, i));
    var s = step(i);
    if (!s) {  // not parsed yet: shown once the page has loaded
      pending = i;
      $('counter').textContent = 'loading step ' + i + ' / ' + last;
      return;
    }
    pending = null;
    cur = i;
    var g = $('graph');
    g.innerHTML = s.svg;  // Graphviz's SVG, generated by nssim (labels escaped by Graphviz)
    if (window.nssimFirstPicture === undefined) {
      // When the first picture is on screen: after the frame that paints it
      // (tests and benchmarks read it; ms since navigation start).
      window.nssimFirstPicture = null;
      requestAnimationFrame(function () { setTimeout(function () { window.nssimFirstPicture = performance.now(); }); });
    }
    g.setAttribute('data-step', String(i));
    $('counter').textContent = 'step ' + i + ' / ' + last;
    $('stmt').textContent = s.text;
    var r = $('result');
    r.textContent = s.result;
    r.className = s.ok ? 'ok' : 'bad';
    $('detail').textContent = s.detail || '';
    var ev = $('events');
    ev.textContent = '';
    if (!s.events.length) ev.appendChild(el('li', 'none', s.kind === 'call' ? 'no kernel function recorded'
                                                        : 'no system call in this step'));
    s.events.forEach(function (e) {
      var li = el('li');
      li.appendChild(document.createTextNode(new Array(e.depth + 1).join('  ')));
      li.appendChild(el('span', 'fn', e.fn));
      if (e.detail) li.appendChild(document.createTextNode('  ' + e.detail));
      ev.appendChild(li);
    });
    realPanel(s);
    var old = document.querySelector('.src-line.current');
    if (old) old.classList.remove('current');
    if (s.line) {
      var row = $('L' + s.line);
      if (row) { row.classList.add('current'); row.scrollIntoView({block: 'nearest'}); }
    }
    $('first').disabled = $('prev').disabled = i === 0;
    $('next').disabled = $('last').disabled = i === last;
    slider.value = String(i);
    var h = '#step=' + i;
    if (location.hash !== h) { try { history.replaceState(null, '', h); } catch (e) { /* file: URL quirks */ } }
  }

  function fromHash() {
    var m = /(?:^#|&)step=(\d+)/.exec(location.hash);
    return m ? parseInt(m[1], 10) : 0;
  }

  $('first').addEventListener('click', function () { show(0); });
  $('prev').addEventListener('click', function () { show(cur - 1); });
  $('next').addEventListener('click', function () { show(cur + 1); });
  $('last').addEventListener('click', function () { show(last); });
  slider.addEventListener('input', function () { show(parseInt(slider.value, 10)); });
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.target === slider) return;
    var to = {ArrowRight: cur + 1, ArrowLeft: cur - 1, Home: 0, End: last}[e.key];
    if (to === undefined) return;
    e.preventDefault();
    show(to);
  });
  window.addEventListener('hashchange', function () { if (fromHash() !== cur) show(fromHash()); });

  var sum = data.summary || {};
  $('summary').textContent = sum.text || '';
  if (sum.error) $('error').textContent = sum.error;
  show(fromHash());
  function ready() {
    if (loaded) return;
    loaded = true;
    if (pending !== null) show(pending);
    window.nssimReady = true;
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
)JS";

}  // namespace

std::string html_page(const json& data) {
  json meta = data;
  meta.erase("steps");
  std::vector<HtmlStep> steps;
  for (const json& s : data.value("steps", json::array())) {
    HtmlStep st{s, s.value("svg", std::string())};
    st.record.erase("svg");
    steps.push_back(std::move(st));
  }
  return html_page(meta, steps);
}

namespace {
// Whether an SVG can be the raw text of a <script> element: the element ends
// at the first "</script", and a "<script" inside "<!--" changes where it
// ends. Graphviz writes '<' in labels as &lt;, so its SVG has neither.
bool raw_script_safe(std::string_view svg) {
  for (size_t at = svg.find('<'); at != std::string_view::npos; at = svg.find('<', at + 1)) {
    std::string_view t = svg.substr(at + 1, 7);
    if (!t.empty() && t[0] == '/') t.remove_prefix(1);
    if (t.size() >= 6 && strncasecmp(t.data(), "script", 6) == 0) return false;
  }
  return true;
}

// Step i: its record as JSON, and its picture as the raw text of a
// non-executed script element (no escaping: a third of the size), or in the
// record when it cannot be.
void append_step(std::string& out, size_t i, const HtmlStep& s) {
  bool raw = raw_script_safe(s.svg);
  json rec = s.record;
  if (!raw) rec["svg"] = s.svg;
  out += fmt::format("<script type=\"application/json\" id=\"nssim-step-{}\">", i);
  out += script_json(rec);
  out += "</script>\n";
  if (raw) {
    out += fmt::format("<script type=\"image/svg+xml\" id=\"nssim-svg-{}\">", i);
    out += s.svg;
    out += "</script>\n";
  }
}
}  // namespace

std::string html_page(const json& data_in, const std::vector<HtmlStep>& steps) {
  // Each step's line and whether it is ok, for the source pane before any
  // step's record is parsed.
  json data = data_in;
  json index = json::array();
  for (const HtmlStep& s : steps) index.push_back({s.record.value("line", 0), s.record.value("ok", true)});
  data["index"] = std::move(index);
  std::string title = data.value("title", std::string("scenario"));
  std::string meta = fmt::format("model: kernel {}", data.value("profile", std::string("?")));
  if (data.value("real", false)) meta += " · checked on the live kernel";
  std::string note = data.value("real_note", std::string());
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"nssim\">\n";
  out += "<title>nssim · " + html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<header>\n<h1>" + html_escape(title) + "</h1>\n<span class=\"meta\">" + html_escape(meta) +
         (note.empty() ? "" : " · " + html_escape(note)) + "</span>\n";
  out +=
      "<div id=\"controls\">\n"
      "<button id=\"first\" type=\"button\" title=\"first step (Home)\">« first</button>\n"
      "<button id=\"prev\" type=\"button\" title=\"previous step (←)\">◀ prev</button>\n"
      "<button id=\"next\" type=\"button\" title=\"next step (→)\">next ▶</button>\n"
      "<button id=\"last\" type=\"button\" title=\"last step (End)\">last »</button>\n"
      "<input id=\"slider\" type=\"range\" min=\"0\" max=\"0\" value=\"0\" aria-label=\"step\">\n"
      "<span id=\"counter\"></span>\n"
      "<span class=\"meta\"><kbd>←</kbd> <kbd>→</kbd> move · <kbd>Home</kbd> <kbd>End</kbd> · click a line</span>\n"
      "</div>\n</header>\n";
  out += "<div id=\"stepbar\"><code id=\"stmt\"></code> <span id=\"result\"></span><span id=\"detail\"></span></div>\n";
  out +=
      "<main>\n<section id=\"left\">\n<h2>Scenario</h2>\n<div id=\"source\"></div>\n</section>\n"
      "<section id=\"right\">\n<div id=\"graph\" data-step=\"\"></div>\n<div id=\"real\" hidden></div>\n</section>\n"
      "<section id=\"fns\">\n<h2>Kernel functions</h2>\n<ul id=\"events\"></ul>\n</section>\n"
      "</main>\n";
  out += "<footer><span id=\"summary\"></span><div id=\"error\" class=\"bad\"></div></footer>\n";
  out += "<noscript><p>This page needs JavaScript to step through the scenario.</p></noscript>\n";
  out += "<script type=\"application/json\" id=\"nssim-data\">" + script_json(data) + "</script>\n";
  // Step 0, then the script, which draws it at once; then the other steps.
  if (!steps.empty()) append_step(out, 0, steps[0]);
  out += "<script>" + std::string(kScript) + "</script>\n";
  for (size_t i = 1; i < steps.size(); ++i) append_step(out, i, steps[i]);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace nssim::cli
