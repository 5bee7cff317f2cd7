// The playground page: edit a scenario, see the parser's diagnostics as you
// type, step through it with the picture of each step, grade a lab. The model
// runs in WebAssembly (wasi.js); Graphviz (viz-standalone.js) draws the DOT
// text the module gives, the same text as `nssim graph --format dot`.
"use strict";
(async function () {
  const $ = (id) => document.getElementById(id);
  const B = window.NSSIM_BUNDLED;  // {examples: {name: src}, labs: {id: {title, src, key}}}
  const state = { nssim: null, viz: null, file: "", run: null, step: 0, detail: null, lab: null, timer: 0 };
  window.playground = state;  // for the browser test (tests/playground_test.cc)

  // ---- the menu and the URL fragment ----
  const menu = $("menu");
  const add = (group, value, text) => {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    group.appendChild(o);
  };
  const ge = document.createElement("optgroup"), gl = document.createElement("optgroup");
  ge.label = "Examples";
  gl.label = "Labs (graded by Check)";
  for (const name of Object.keys(B.examples).sort()) add(ge, "example=" + name, name);
  for (const id of Object.keys(B.labs).sort()) add(gl, "lab=" + id, id + " — " + B.labs[id].title);
  const mine = document.createElement("option");
  mine.value = "src";
  mine.textContent = "(your scenario)";
  menu.append(ge, gl, mine);

  const enc = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const dec = (s) => new TextDecoder().decode(Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));

  function openFragment() {
    const p = new URLSearchParams(location.hash.slice(1));
    let src = null, step = Number(p.get("step") || -1);
    state.lab = null;
    if (p.get("example") && B.examples[p.get("example")] !== undefined) {
      state.file = "examples/" + p.get("example");
      src = B.examples[p.get("example")];
      menu.value = "example=" + p.get("example");
    } else if (p.get("lab") && B.labs[p.get("lab")]) {
      state.lab = p.get("lab");
      state.file = "labs/" + state.lab + "/lab.nss";
      src = B.labs[state.lab].src;
      menu.value = "lab=" + state.lab;
    } else if (p.get("src") !== null) {
      state.file = p.get("file") || "scenario.nss";
      src = dec(p.get("src"));
      if (p.get("lab") && B.labs[p.get("lab")]) state.lab = p.get("lab");
      menu.value = "src";
    } else {
      const first = Object.keys(B.examples).sort()[0];
      state.file = "examples/" + first;
      src = B.examples[first];
      menu.value = "example=" + first;
    }
    $("check").disabled = !state.lab;
    $("source").value = src;
    $("labout").textContent = "";
    reload(step);
  }
  menu.addEventListener("change", () => {
    if (menu.value !== "src") location.hash = menu.value;
  });
  window.addEventListener("hashchange", () => {
    if (state.ignoreHash) { state.ignoreHash = false; return; }
    openFragment();
  });
  $("share").addEventListener("click", () => {
    const p = new URLSearchParams();
    p.set("src", enc($("source").value));
    p.set("file", state.file.split("/").pop());
    if (state.lab) p.set("lab", state.lab);
    p.set("step", String(state.step));
    state.ignoreHash = true;
    location.hash = p.toString();
    navigator.clipboard?.writeText(location.href).catch(() => {});
    $("status").textContent = "link in the address bar";
  });

  // ---- the editor: highlighting and diagnostics ----
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  // One pass over the line: strings, flag and errno names, statement keywords,
  // call names; a '#' outside a string starts the comment.
  const TOKENS = /("(?:[^"\\]|\\.)*")|\b(CLONE_[A-Z_]+|NS_[A-Z_]+|CAP_[A-Z_]+|MS_[A-Z_]+|E[A-Z]{2,})\b|^(\s*)(task|let|expect|kernel)\b|\b([a-z_0-9]+)(?=\()/g;
  const span = (cls, text) => '<span class="' + cls + '">' + esc(text) + "</span>";
  function highlightLine(line) {
    let hash = -1, quoted = false;
    for (let i = 0; i < line.length && hash < 0; i++) {
      if (line[i] === "\\" && quoted) i++;
      else if (line[i] === '"') quoted = !quoted;
      else if (line[i] === "#" && !quoted) hash = i;
    }
    const code = hash >= 0 ? line.slice(0, hash) : line, comment = hash >= 0 ? line.slice(hash) : "";
    let out = "", last = 0;
    code.replace(TOKENS, (m, str, flag, sp, kw, fn, off) => {
      out += esc(code.slice(last, off));
      last = off + m.length;
      if (str) out += span("s", str);
      else if (flag) out += span("e", flag);
      else if (kw) out += esc(sp) + span("k", kw);
      else out += span("f", fn);
      return m;
    });
    out += esc(code.slice(last));
    return out + (comment ? span("c", comment) : "");
  }
  function paint() {
    const lines = $("source").value.split("\n");
    const bad = new Set((state.run?.diagnostics || []).map((d) => d.line));
    if (state.run?.error) bad.add(state.run.error.line);
    const cur = state.run?.steps?.[state.step]?.line || 0;
    $("highlight").innerHTML = lines.map((l, i) => {
      let h = highlightLine(l) || " ";
      if (bad.has(i + 1)) h = '<span class="err">' + h + "</span>";
      if (cur === i + 1) h = '<span class="cur">' + h + "</span>";
      return h;
    }).join("\n") + "\n";
  }
  $("source").addEventListener("scroll", () => {
    $("highlight").scrollTop = $("source").scrollTop;
    $("highlight").scrollLeft = $("source").scrollLeft;
  });
  $("source").addEventListener("input", () => {
    if (menu.value !== "src") menu.value = "src";
    clearTimeout(state.timer);
    state.timer = setTimeout(() => reload(state.step), 150);
  });

  // ---- running and stepping ----
  function reload(step) {
    const t0 = performance.now();
    state.run = state.nssim.load(state.file, $("source").value);
    state.loadMs = performance.now() - t0;
    const diags = state.run.diagnostics.map((d) => d.text);
    if (state.run.error) diags.push(state.run.error.text);
    $("diagnostics").textContent = diags.join("");
    $("summary").textContent = state.run.summary ? "summary: " + state.run.summary : "";
    const n = state.run.steps.length - 1;
    $("slider").max = String(n);
    $("status").textContent = `${n} steps · parsed and run in ${state.loadMs.toFixed(0)} ms`;
    show(step < 0 || step > n ? (step < 0 ? 0 : n) : step);
  }
  async function show(n) {
    state.step = n;
    $("slider").value = String(n);
    $("stepno").textContent = `step ${n} / ${state.run.steps.length - 1}`;
    const s = state.run.steps[n];
    $("caption").textContent = s.caption + (s.detail ? "  (" + s.detail + ")" : "");
    paint();
    $("ledger").textContent = "";
    if (state.run.diagnostics.length) {
      state.detail = null;
      $("picture").textContent = "";
      $("table").textContent = "";
      return;
    }
    const d = state.nssim.step(n);
    state.detail = d;
    $("events").textContent = d.events.map((e) => "  ".repeat(e.depth) + e.fn + (e.detail ? "  " + e.detail : "")).join("\n") || "(none)";
    drawTable(d);
    const my = ++state.drawing;
    const svg = state.viz.renderSVGElement(d.dot);
    if (my !== state.drawing) return;
    $("picture").replaceChildren(svg);
    for (const g of svg.querySelectorAll("g.node")) {
      const id = g.id;
      if (!/^ns\d+$/.test(id)) continue;
      g.addEventListener("click", () => showLedger(id));
    }
  }
  state.drawing = 0;
  function showLedger(id) {
    const e = state.detail?.ledger.find((x) => x.id === id);
    if (!e) return;
    $("ledger").textContent = `${e.ns}: refcount ${e.refs}, held by:\n` + e.holders.map((h) => "  " + h).join("\n");
  }
  state.showLedger = showLedger;
  function drawTable(d) {
    const t = document.createElement("table");
    const head = t.insertRow();
    for (const h of ["task", "state", "NSpid", ...d.links]) head.appendChild(Object.assign(document.createElement("th"), { textContent: h }));
    for (const task of d.tasks) {
      const r = t.insertRow();
      for (const v of [task.name, task.state, task.nspid.join(" "), ...task.links.map((x) => (x === null ? "—" : x))])
        r.insertCell().textContent = v;
    }
    $("table").replaceChildren(t);
  }
  const go = (n) => show(Math.max(0, Math.min(state.run.steps.length - 1, n)));
  $("prev").addEventListener("click", () => go(state.step - 1));
  $("next").addEventListener("click", () => go(state.step + 1));
  $("slider").addEventListener("input", () => go(Number($("slider").value)));
  document.addEventListener("keydown", (e) => {
    if (e.target === $("source")) return;
    if (e.key === "ArrowRight") go(state.step + 1);
    else if (e.key === "ArrowLeft") go(state.step - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(state.run.steps.length - 1);
  });

  // ---- labs ----
  $("check").addEventListener("click", () => {
    if (!state.lab) return;
    const lab = B.labs[state.lab];
    $("labout").textContent = state.nssim.labCheck("labs/" + state.lab + "/lab.nss", $("source").value,
                                                   "labs/" + state.lab + "/solution.nss", lab ? lab.key : "");
  });
  state.check = () => { $("check").click(); return $("labout").textContent; };

  state.nssim = await loadNssim();
  state.viz = await Viz.instance();
  openFragment();
  state.ready = true;
})();
