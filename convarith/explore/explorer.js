// convarith explorer: looks up and draws what convarith's Python core computed.
//
// No arithmetic of convolutions lives here: output sizes, derivations, errors, cell kinds,
// taps and receptive fields are all in the embedded payload (convarith/explore/operations.py
// and networks.py). This script decodes it, finds the two per-axis entries the controls
// name, puts them side by side (the first failing axis wins, as in the formula functions),
// and draws cells.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const PARAMS = [  // per-axis sliders: state name, label, range name, URL name
  ["input", "input size i", "input", "i"],
  ["kernel", "kernel size k", "kernel", "k"],
  ["stride", "stride s", "stride", "s"],
  ["pl", "padding, top / left", "padding", "pl"],
  ["pr", "padding, bottom / right", "padding", "pr"],
  ["dilation", "dilation d", "dilation", "d"],
  ["output_padding", "output padding a", "output_padding", "a"],
];
const state = {
  view: "op", kind: "conv", mode: "n", ceil: 0, link: 1, cell: [0, 0], theme: "",
  input: [5, 5], kernel: [3, 3], stride: [1, 1], pl: [0, 0], pr: [0, 0], dilation: [1, 1],
  output_padding: [0, 0], model: 0, row: 1, unit: null,
};
let DATA = null;
let current = null;  // what the operation view shows now
let player = null;

async function decode(text) {
  const bytes = Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

function text(t) { return typeof t === "number" ? DATA.lines[t] : t; }
function list(n) { return DATA.lists[n]; }
function el(tag, attributes, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

// ------------------------------------------------------------------ state <-> URL

function pairText(v) { return `${v[0]}x${v[1]}`; }
function readPair(s) {
  const m = /^(\d+)x(\d+)$/.exec(s || "");
  return m ? [Number(m[1]), Number(m[2])] : null;
}
function toHash() {
  const q = new URLSearchParams();
  q.set("view", state.view); q.set("kind", state.kind);
  for (const [name, , , short] of PARAMS) q.set(short, pairText(state[name]));
  q.set("mode", state.mode); q.set("ceil", String(state.ceil)); q.set("link", String(state.link));
  q.set("cell", pairText(state.cell));
  const net = DATA.networks[state.model];
  q.set("model", net && net.loaded ? `file:${net.file}` : String(state.model));
  q.set("row", String(state.row));
  if (state.unit) q.set("unit", pairText(state.unit));
  if (state.theme) q.set("theme", state.theme);
  return "#" + q.toString();
}
function fromHash(hash) {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  if (q.get("view") === "net" || q.get("view") === "op") state.view = q.get("view");
  if (DATA.operations[q.get("kind")]) state.kind = q.get("kind");
  for (const [name, , range, short] of PARAMS) {
    const v = readPair(q.get(short));
    const [low, high] = DATA.ranges[range];
    if (v && v.every((x) => x >= low && x <= high)) state[name] = v;
  }
  if (["n", ...DATA.padding_modes].includes(q.get("mode"))) state.mode = q.get("mode");
  if (q.has("ceil")) state.ceil = q.get("ceil") === "1" ? 1 : 0;
  if (q.has("link")) state.link = q.get("link") === "1" ? 1 : 0;
  const cell = readPair(q.get("cell"));
  if (cell) state.cell = cell;
  const named = q.get("model") || "";
  const model = Number(named);
  state.missing = "";
  if (named.startsWith("file:")) {
    // a table loaded from a file: a link cannot carry it (embed it with --table instead)
    const at = DATA.networks.findIndex((net) => net.loaded && `file:${net.file}` === named);
    if (at >= 0) state.model = at;
    else { state.model = 0; state.missing = named.slice(5); }
  } else if (named && Number.isInteger(model) && model >= 0 && model < DATA.networks.length) {
    state.model = model;
  }
  const row = Number(q.get("row"));
  if (q.has("row") && Number.isInteger(row) && row >= 0) state.row = row;
  state.unit = readPair(q.get("unit"));
  if (["light", "dark"].includes(q.get("theme"))) state.theme = q.get("theme");
}
let hashTimer = 0;
function saveHash() {
  // the browser's history is slow to write: once things settle, not on every event
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => { history.replaceState(null, "", toHash()); }, 150);
}

// ------------------------------------------------------------------ lookups

function operation() { return DATA.operations[state.kind]; }
function symmetric() { return !operation().per_side; }
function has(field) { return field in operation().values; }
function fieldValue(name, x) {
  if (name === "padding") {
    if (symmetric()) return state.pl[x];
    return state.mode === "n" ? `${state.pl[x]}:${state.pr[x]}` : state.mode;
  }
  if (name === "ceil_mode") return state.ceil;
  return state[name][x];
}
function axisIndex(op, x) {
  let index = 0;
  for (const [name, values] of Object.entries(op.values)) {
    const at = values.indexOf(fieldValue(name, x));
    if (at < 0) throw new Error(`no entry for ${name}=${fieldValue(name, x)}`);
    index = index * values.length + at;
  }
  return index;
}
function lookup() {
  const op = DATA.operations[state.kind];
  const index = [axisIndex(op, 0), axisIndex(op, 1)];
  const entries = index.map((i) => op.axes[i]);
  const mode = symmetric() ? "n" : state.mode;
  const pre = [mode, state.stride[0], state.stride[1], state.dilation[0], state.dilation[1]].join(" ");
  if (pre in op.pre) return { error: text(op.pre[pre]) };
  for (let x = 0; x < 2; x++) {
    if (entries[x] === 0) throw new Error(`entry ${index[x]} of ${state.kind} is covered by no check`);
    if (entries[x].length === 2) return { error: text(entries[x][x]) };
  }
  const o = entries.map((e) => e[0]);
  const blocks = index[0] === index[1] ? [[DATA.labels.every, entries[0]]]
    : [[DATA.labels.dims[0], entries[0]], [DATA.labels.dims[1], entries[1]]];
  const lines = [`${o[0]}x${o[1]}`];
  for (const [label, entry] of blocks) {
    lines.push(`${op.what}${label}:`);
    for (const t of entry[1]) lines.push(text(t));
  }
  return { o, text: lines.join("\n"), kinds: entries.map((e) => list(e[2])),
           taps: entries.map((e) => list(e[3])) };
}
function spelled(name) {
  const v = state[name];
  return v[0] === v[1] ? `${v[0]}` : `${v[0]}x${v[1]}`;
}
function command() {
  const op = DATA.operations[state.kind];
  let padding;
  if (!symmetric() && state.mode !== "n") padding = state.mode;
  else if (symmetric() || (state.pl[0] === state.pr[0] && state.pl[1] === state.pr[1])) padding = spelled("pl");
  else padding = `${state.pl[0]}:${state.pr[0]}x${state.pl[1]}:${state.pr[1]}`;
  let out = `convarith size ${op.command} --input ${state.input[0]}x${state.input[1]} ` +
    `--kernel ${spelled("kernel")} --stride ${spelled("stride")} --padding ${padding} ` +
    `--dilation ${spelled("dilation")}`;
  if (has("output_padding")) out += ` --output-padding ${spelled("output_padding")}`;
  if (has("ceil_mode") && state.ceil) out += " --ceil-mode";
  return out + " --explain";
}

// ------------------------------------------------------------------ controls

function buildControls() {
  const kind = $("ctl-kind");
  for (const [name, op] of Object.entries(DATA.operations)) {
    const option = document.createElement("option");
    option.value = name; option.textContent = op.label;
    kind.appendChild(option);
  }
  const body = $("sliders").tBodies[0];
  for (const [name, label, range] of PARAMS) {
    const tr = document.createElement("tr");
    tr.id = `row-${name}`;
    const th = document.createElement("th");
    th.scope = "row"; th.textContent = label;
    tr.appendChild(th);
    for (let x = 0; x < 2; x++) {
      const td = document.createElement("td");
      const input = document.createElement("input");
      input.type = "range"; input.id = `ctl-${name}-${x}`;
      [input.min, input.max] = DATA.ranges[range].map(String);
      input.setAttribute("aria-label", `${label}, ${x ? "W" : "H"}`);
      const shown = document.createElement("output");
      shown.id = `val-${name}-${x}`; shown.htmlFor = input.id;
      const update = () => {
        const v = Number(input.value);
        state[name][x] = v;
        if (state.link) state[name][1 - x] = v;
        if (symmetric() && name === "pl") state.pr = [...state.pl];
        changed();
      };
      input.addEventListener("input", update);
      input.addEventListener("change", update);
      td.append(input, " ", shown);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  kind.addEventListener("change", () => { state.kind = kind.value; changed(); });
  $("ctl-mode").addEventListener("change", () => { state.mode = $("ctl-mode").value; changed(); });
  $("ctl-ceil").addEventListener("change", () => { state.ceil = $("ctl-ceil").checked ? 1 : 0; changed(); });
  $("ctl-link").addEventListener("change", () => { state.link = $("ctl-link").checked ? 1 : 0; saveHash(); });
  $("prev").addEventListener("click", () => move(-1));
  $("step").addEventListener("click", () => move(1));
  $("play").addEventListener("click", togglePlay);
  $("output-grid").addEventListener("keydown", outputKeys);
  $("output-grid").addEventListener("mouseover", pointAt);
  $("output-grid").addEventListener("click", pointAt);
  $("view-op").addEventListener("click", () => { state.view = "op"; show(); });
  $("view-net").addEventListener("click", () => { state.view = "net"; show(); });
  $("theme").addEventListener("click", () => {
    state.theme = theme() === "dark" ? "light" : "dark"; applyTheme(); saveHash();
  });
  const model = $("ctl-model");
  DATA.networks.forEach((net, n) => addOption(net, n));
  $("ctl-table").addEventListener("change", () => {
    const file = $("ctl-table").files[0];
    if (file) loadFile(file);
    $("ctl-table").value = "";  // the same file again is a new load
  });
  const net = $("net");
  net.addEventListener("dragover", (event) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault(); net.classList.add("dropping");
  });
  net.addEventListener("dragleave", () => net.classList.remove("dropping"));
  net.addEventListener("drop", (event) => {
    net.classList.remove("dropping");
    const file = event.dataTransfer.files[0];
    if (!file) return;
    event.preventDefault();
    loadFile(file);
  });
  model.addEventListener("change", () => {
    state.model = Number(model.value); state.row = 1; state.unit = null; showNetwork(); saveHash();
  });
}
function syncControls() {
  $("ctl-kind").value = state.kind;
  $("ctl-mode").value = state.mode;
  $("ctl-ceil").checked = !!state.ceil;
  $("ctl-link").checked = !!state.link;
  const conv = !symmetric();
  $("mode-label").hidden = !conv;
  $("ceil-label").hidden = !has("ceil_mode");
  if (symmetric()) state.pr = [...state.pl];
  const off = {
    pl: conv && state.mode !== "n", pr: !conv || state.mode !== "n",
    output_padding: !has("output_padding"),
  };
  $("row-pl").querySelector("th").textContent = conv ? "padding, top / left" : "padding p (both sides)";
  for (const [name] of PARAMS) {
    const row = $(`row-${name}`);
    row.classList.toggle("off", !!off[name]);
    row.hidden = name === "pr" && !conv || name === "output_padding" && !has("output_padding");
    for (let x = 0; x < 2; x++) {
      const input = $(`ctl-${name}-${x}`);
      input.value = String(state[name][x]);
      input.disabled = !!off[name];
      $(`val-${name}-${x}`).textContent = String(state[name][x]);
    }
  }
}
let pending = 0;
function changed() {
  // the text answers at once; the grids are drawn in the next animation frame, once however
  // many events a slider drag fires before it
  stopPlay();
  syncControls();
  renderText();
  saveHash();
  if (!pending) pending = requestAnimationFrame(() => { pending = 0; drawOperation(); });
}

// ------------------------------------------------------------------ operation view

function renderOperation() { renderText(); drawOperation(); }
function renderText() {
  current = lookup();
  $("command").textContent = command();
  const out = $("cli-output");
  out.textContent = current.error || current.text;
  out.classList.toggle("error", !!current.error);
  $("output-size").textContent = current.error ? "(none: torch rejects this)" : `${current.o[0]} x ${current.o[1]}`;
}
function drawOperation() {
  drawInput();
  drawOutput();
  drawLegend();
  if (!current.error) {
    state.cell = [Math.min(state.cell[0], current.o[0] - 1), Math.min(state.cell[1], current.o[1] - 1)];
    light(state.cell);
  } else {
    $("cell-note").textContent = "";
  }
}
function cellSize(rows, cols, room) { return Math.max(4, Math.min(26, Math.floor(room / Math.max(rows, cols)))); }
function drawInput() {
  const svg = $("input-grid");
  current.rects = null;
  if (current.error) { svg.replaceChildren(); svg.setAttribute("width", "0"); svg.setAttribute("height", "0"); return; }
  const [kr, kc] = current.kinds;
  const size = cellSize(kr.length, kc.length, 420);
  svg.setAttribute("width", String(kc.length * size)); svg.setAttribute("height", String(kr.length * size));
  const parts = [];
  for (let r = 0; r < kr.length; r++) {
    for (let c = 0; c < kc.length; c++) {
      const kind = DATA.cell_kinds[Math.min(Number(kr[r]), Number(kc[c]))];
      parts.push(`<rect x="${c * size}" y="${r * size}" width="${size}" height="${size}" ` +
                 `class="cell k-${kind}" data-r="${r}" data-c="${c}" data-kind="${kind}"/>`);
    }
  }
  parts.push('<rect class="window" x="0" y="0" width="0" height="0"/>');
  svg.innerHTML = parts.join("");
  const all = svg.children;
  current.rects = Array.from({ length: kr.length }, (_, r) =>
    Array.from({ length: kc.length }, (_, c) => all[r * kc.length + c]));
  current.size = size;
  current.window = all[all.length - 1];
}
function drawOutput() {
  const svg = $("output-grid");
  current.outs = null;
  if (current.error) { svg.replaceChildren(); svg.setAttribute("width", "0"); svg.setAttribute("height", "0"); return; }
  const [rows, cols] = current.o;
  const size = cellSize(rows, cols, 300);
  svg.setAttribute("width", String(cols * size)); svg.setAttribute("height", String(rows * size));
  const parts = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      parts.push(`<rect x="${c * size}" y="${r * size}" width="${size}" height="${size}" ` +
                 `class="out" data-r="${r}" data-c="${c}"/>`);
    }
  }
  svg.innerHTML = parts.join("");
  const all = svg.children;
  current.outs = Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => all[r * cols + c]));
}
function pointAt(event) {
  const target = event.target;
  if (!target.classList || !target.classList.contains("out")) return;
  stopPlay();
  light([Number(target.dataset.r), Number(target.dataset.c)]);
  saveHash();
}
function light(cell) {
  if (!current || current.error || !current.rects) return;  // not drawn yet
  for (const rect of current.lit || []) rect.classList.remove("lit");
  if (current.selected) current.selected.classList.remove("sel");
  state.cell = cell;
  const rows = current.taps[0][cell[0]];
  const cols = current.taps[1][cell[1]];
  current.lit = [];
  for (const r of rows) for (const c of cols) {
    const rect = current.rects[r][c];
    rect.classList.add("lit");
    current.lit.push(rect);
  }
  current.selected = current.outs[cell[0]][cell[1]];
  current.selected.classList.add("sel");
  const size = current.size;
  const [r0, r1, c0, c1] = [rows[0], rows[rows.length - 1], cols[0], cols[cols.length - 1]];
  for (const [k, v] of Object.entries({ x: c0 * size, y: r0 * size, width: (c1 - c0 + 1) * size,
                                        height: (r1 - r0 + 1) * size })) current.window.setAttribute(k, v);
  $("cell-note").textContent = `output (${cell[0]}, ${cell[1]}) reads padded-input rows ` +
    `${rows.join(", ")} and columns ${cols.join(", ")}`;
}
function move(step) {
  if (!current || current.error || !current.rects) return;
  const [rows, cols] = current.o;
  const total = rows * cols;
  const at = (state.cell[0] * cols + state.cell[1] + step + total) % total;
  light([Math.floor(at / cols), at % cols]);
  saveHash();
}
function outputKeys(event) {
  const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
  if (event.key === " ") { togglePlay(); event.preventDefault(); return; }
  const d = moves[event.key];
  if (!d || !current || current.error) return;
  event.preventDefault();
  stopPlay();
  const r = Math.max(0, Math.min(current.o[0] - 1, state.cell[0] + d[0]));
  const c = Math.max(0, Math.min(current.o[1] - 1, state.cell[1] + d[1]));
  light([r, c]);
  saveHash();
}
function togglePlay() {
  if (player) { stopPlay(); return; }
  player = setInterval(() => move(1), 600);
  $("play").textContent = "\u275a\u275a Pause"; $("play").setAttribute("aria-label", "pause");
}
function stopPlay() {
  if (!player) return;
  clearInterval(player); player = null;
  $("play").textContent = "\u25b6 Play"; $("play").setAttribute("aria-label", "play");
}
const KIND_NAMES = { input: "input", padding: "zero padding", inserted: "inserted zero",
                     lost: "lost: no window reads it", unreached: "padding no window reaches",
                     cropped: "cropped", beyond: "beyond the padding" };
function drawLegend() {
  // the kinds the grid shows, in reading order, then the lit cells
  const legend = $("legend");
  legend.replaceChildren();
  if (current.error) return;
  const shown = new Set();
  for (const row of current.rects) for (const rect of row) shown.add(rect.dataset.kind);
  const item = (colour, label) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.style.background = `var(--${colour})`;
    li.append(swatch, label);
    legend.appendChild(li);
  };
  for (const kind of Object.keys(KIND_NAMES)) if (shown.has(kind)) item(kind, KIND_NAMES[kind]);
  item("lit", "read by the chosen output cell");
}

// ------------------------------------------------------------------ network view

// A row's field per output unit: the zoo's precomputed pixels, or an exported table's own
// rf, jump and left (RFRow.pixels: unit n sees left + n jump .. left + n jump + rf - 1).
function drawable(row) { return !!(row.units || row.sizes); }
function unitCount(row, x) { return row.units ? row.units[x].length : row.sizes[x]; }
function unitSpan(row, x, n) {
  if (row.units) return row.units[x][n];
  const first = row.left[x] + n * row.jump[x];
  return [first, first + row.rf[x] - 1];
}
function showNetwork() {
  const net = DATA.networks[state.model];
  if (!net) {
    for (const id of ["net-caption", "rf-note"]) $(id).textContent = "";
    for (const id of ["net-table", "net-notes", "unit-sliders", "rf-grid"]) $(id).replaceChildren();
    $("net-caption").textContent = "No network yet: load an exported table.";
    return;
  }
  $("ctl-model").value = String(state.model);
  $("net-caption").textContent = net.caption;
  const table = $("net-table");
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const h of net.headers) { const th = document.createElement("th"); th.scope = "col"; th.textContent = h; head.appendChild(th); }
  const body = table.createTBody();
  net.rows.forEach((row, n) => {
    const tr = body.insertRow();
    tr.dataset.row = String(n);
    for (const cell of row.cells) tr.insertCell().textContent = cell;
    if (drawable(row)) {
      tr.tabIndex = 0;
      tr.addEventListener("click", () => selectRow(n));
      tr.addEventListener("keydown", (event) => rowKeys(event, n));
    }
  });
  if (net.totals) {
    const tr = table.createTFoot().insertRow();
    for (const cell of net.totals) tr.insertCell().textContent = cell;
  }
  const notes = $("net-notes");
  notes.replaceChildren();
  for (const note of net.footnotes) { const li = document.createElement("li"); li.textContent = note; notes.appendChild(li); }
  if (!net.rows[state.row] || !drawable(net.rows[state.row])) state.row = 0;
  selectRow(state.row, false);
}
function rowKeys(event, n) {
  const rows = DATA.networks[state.model].rows;
  const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
  if (event.key === "Enter" || event.key === " ") { selectRow(n); event.preventDefault(); return; }
  if (!step) return;
  event.preventDefault();
  for (let m = n + step; m >= 0 && m < rows.length; m += step) {
    if (drawable(rows[m])) { selectRow(m); $("net-table").tBodies[0].rows[m].focus(); return; }
  }
}
function selectRow(n, user = true) {
  const net = DATA.networks[state.model];
  if (user && n !== state.row) state.unit = null;
  state.row = n;
  for (const tr of $("net-table").tBodies[0].rows) tr.setAttribute("aria-selected", String(tr.dataset.row === String(n)));
  const row = net.rows[n];
  const sliders = $("unit-sliders");
  sliders.replaceChildren();
  if (!drawable(row)) { drawField(); return; }
  const counts = [0, 1].map((x) => unitCount(row, x));
  if (!state.unit || state.unit.some((u, x) => u >= counts[x])) state.unit = counts.map((c) => Math.floor((c - 1) / 2));
  ["row", "column"].forEach((what, x) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "range"; input.min = "0"; input.max = String(counts[x] - 1); input.value = String(state.unit[x]);
    input.id = `ctl-unit-${x}`;
    const shown = document.createElement("output");
    shown.textContent = String(state.unit[x]);
    input.addEventListener("input", () => { state.unit[x] = Number(input.value); shown.textContent = input.value; drawField(); saveHash(); });
    label.append(`output ${what} `, input, " ", shown);
    sliders.appendChild(label);
  });
  drawField();
  if (user) saveHash();
}
function drawField() {
  const net = DATA.networks[state.model];
  const row = net.rows[state.row];
  const svg = $("rf-grid");
  svg.replaceChildren();
  const [h, w] = net.input;
  if (!row || !drawable(row)) { $("rf-note").textContent = "Pick a row with a receptive field."; return; }
  const spans = [0, 1].map((x) => unitSpan(row, x, state.unit[x]));
  const lowest = Math.min(0, spans[0][0], spans[1][0]);
  const highest = Math.max(h - 1, w - 1, spans[0][1], spans[1][1]);
  const scale = 320 / (highest - lowest + 1);
  const at = (v) => (v - lowest) * scale;
  svg.setAttribute("width", "340"); svg.setAttribute("height", "340");
  el("rect", { class: "frame", x: at(0), y: at(0), width: w * scale, height: h * scale }, svg);
  el("rect", { class: "reach", x: at(spans[1][0]), y: at(spans[0][0]),
               width: (spans[1][1] - spans[1][0] + 1) * scale, height: (spans[0][1] - spans[0][0] + 1) * scale }, svg);
  const inside = spans.map(([a, b], x) => [Math.max(a, 0), Math.min(b, net.input[x] - 1)]);
  el("rect", { class: "field", x: at(inside[1][0]), y: at(inside[0][0]),
               // a unit that sees only padding (a padding row's first units) has no field inside
               width: Math.max(0, inside[1][1] - inside[1][0] + 1) * scale,
               height: Math.max(0, inside[0][1] - inside[0][0] + 1) * scale,
               "data-rows": spans[0].join(":"), "data-cols": spans[1].join(":") }, svg);
  $("rf-note").textContent = `${row.label || row.cells[1]} unit (${state.unit[0]}, ${state.unit[1]}) sees input rows ` +
    `${spans[0][0]} to ${spans[0][1]} and columns ${spans[1][0]} to ${spans[1][1]} ` +
    `(receptive field ${row.rf.join("x")}, jump ${row.jump.join("x")}; outside 0..${h - 1}: padding)`;
}

// ------------------------------------------------------------------ exported tables
//
// A table written by `convarith table MODEL --format json`, loaded in the browser or
// embedded with `convarith explore --table`: checked by the schema's own rules and worded
// by its own messages (DATA.reading, from convarith/tables/schema.py), shown with the JSON's
// own numbers (counts exact, as exported; no rounding, no arithmetic).

function addOption(net, n) {
  const option = document.createElement("option");
  option.value = String(n); option.textContent = net.name;
  $("ctl-model").appendChild(option);
}
class TableProblem extends Error {}
function problem(message, values) {
  const text = DATA.reading.messages[message].replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  return new TableProblem("Error: " + text.replace(/^Error /, ""));  // as the command line writes it
}
function shownValue(value) {
  const text = JSON.stringify(value);
  return [...text].length <= 60 ? text : [...text].slice(0, 57).join("") + "...";
}
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isInt = (v) => typeof v === "number" && Number.isInteger(v);
const listOf = (v, test) => Array.isArray(v) && v.every(test);
function hasKind(value, kind) {
  if (kind.endsWith("|null")) return value === null || hasKind(value, kind.slice(0, -5));
  switch (kind) {
    case "str": return typeof value === "string";
    case "int": return isInt(value);
    case "shape": case "ints": return listOf(value, isInt);
    case "strs": return listOf(value, (v) => typeof v === "string");
    case "columns": return listOf(value, (v) => DATA.reading.columns.includes(v));
    case "jumps": return listOf(value, (v) => isInt(v) || typeof v === "string" && /^-?\d+\/\d+$/.test(v));
    case "lefts": return listOf(value, (v) => v === null || isInt(v));
    case "rows": return listOf(value, isObject);
    case "totals": return isObject(value) && Object.values(value).every(isInt);
    default: throw new Error(`unknown kind ${kind}`);
  }
}
function checkTable(data, name) {
  // the order of convarith.tables.schema.check_table, so both name the same first problem
  const R = DATA.reading;
  const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  if (!isObject(data) || !own(data, "schema")) throw problem("not_table", { name });
  if (data.schema !== R.schema) throw problem("schema", { name, value: shownValue(data.schema) });
  for (const [key, kind] of Object.entries(R.table)) {
    if (!own(data, key)) throw problem("missing", { name, key });
    if (!hasKind(data[key], kind)) throw problem("kind", { name, key, value: shownValue(data[key]), kind: R.kinds[kind] });
  }
  const rowKeys = { ...R.row, ...(own(data, "inputs") ? R.traced_row : {}) };
  data.rows.forEach((row, n) => {
    for (const [key, kind] of Object.entries(rowKeys)) {
      if (!own(row, key)) throw problem(R.missing_row_messages[key] || "row_missing", { name, row: n, key });
      if (!hasKind(row[key], kind)) {
        throw problem("row_kind", { name, row: n, key, value: shownValue(row[key]), kind: R.kinds[kind] });
      }
    }
  });
  return data;
}
function readTable(text, name) {
  let data;
  try { data = JSON.parse(text); } catch (error) { throw problem("not_json", { name }); }
  return checkTable(data, name);
}

// the cells as Table.cell writes them with exact counts (convarith table --exact)
const count = (v) => v.toLocaleString("en-US");
function showAxes(values) {
  if (values === null) return "";
  return values.length && values.every((v) => v === values[0]) ? String(values[0]) : values.join("x");
}
function showShape(shape, order) {
  if (shape === null) return "";
  if (shape.length === 1) return String(shape[0]);
  const parts = shape.map(String);
  return (order === "hwc" && parts.length > 1 ? [...parts.slice(1), parts[0]] : parts).join("x");
}
function tableCell(t, row, column) {
  const counts = DATA.reading.counts;
  if (row === null) {
    if (column === "layer") return "total";
    if (counts.includes(column)) return count(t.totals[column]);
    if (column === "frozen") return t.totals.frozen ? count(t.totals.frozen) : "";
    return "";
  }
  if (column === "index") return row.index ? String(row.index) : "";
  if (column === "layer") return row.name || row.type.split(" + ")[0];
  if (column === "output") return showShape(row.output_shape, t.shape_order);
  if (counts.includes(column)) {
    const value = row[column];
    if (row.index === 0 && column !== "memory") return "";
    if (column !== "memory" && value === 0) return "";
    return count(value);
  }
  if (column === "rf" || column === "jump") return showAxes(row[column]);
  if (column === "frozen") return row.frozen ? count(row.frozen) : "";
  return String(row[column]);
}
function letters(n) { return [...(DATA.reading.axis_letters[String(n)] || "")]; }
function tableCaption(t) {
  const perImage = t.columns.includes("macs") || t.columns.includes("memory");
  const batch = t.batch === 1 ? null : `a batch of ${t.batch}`;
  if (t.inputs) {
    const shown = t.inputs.map((input) => {
      let text = input.shape.join("x") || "a scalar";
      const floating = input.dtype.startsWith("float") || input.dtype.startsWith("bfloat");
      if (input.shape.length >= 2 && floating) text += ` (${["C", ...letters(input.shape.length)].join(" x ")})`;
      if (input.dtype !== "float32") text += ` ${input.dtype}`;
      const automatic = input.name === "input" || input.name.startsWith("input ");
      return automatic ? text : `${input.name} ${text}`;
    });
    const inputs = shown.length > 1 ? "inputs " + shown.join(", ") : `input ${shown[0]}`;
    const counted = perImage ? `; MACs per example, memory of ${t.dtype} outputs for ${batch || "one example"}` : "";
    return `${t.model}, ${inputs}${counted}.`;
  }
  const counted = perImage ? `; MACs per image, memory of ${t.dtype} outputs for ${batch || "one image"}` : "";
  return `${t.model}, input ${t.input_shape.join("x")} (${["C", ...letters(t.input_shape.length)].join(" x ")})${counted}.`;
}
function tableNetwork(t, file) {
  const axes = letters(t.input_shape.length);
  const layout = (t.shape_order === "hwc" ? [...axes, "C"] : ["C", ...axes]).join("x");
  const headers = t.columns.map((c) => DATA.reading.headers[c].replace("{layout}", layout));
  const plane = t.input_shape.length === 3;  // the field is drawn on an H x W input
  const rows = t.rows.map((row) => {
    const sizes = row.output_shape.slice(1);
    const whole = [row.rf, row.jump, row.left].every((v) => v !== null && v.length === 2 && v.every(isInt));
    return { cells: t.columns.map((c) => tableCell(t, row, c)), label: row.name || row.type,
             rf: row.rf, jump: row.jump, left: row.left,
             sizes: plane && row.index !== 0 && sizes.length === 2 && whole ? sizes : null };
  });
  const totals = t.columns.some((c) => DATA.reading.counts.includes(c))
    ? t.columns.map((c) => tableCell(t, null, c)) : null;
  return { name: `${t.model} (${file})`, file, caption: tableCaption(t), headers, rows, totals,
           footnotes: t.footnotes, input: t.input_shape.slice(1) };
}
function addTable(t, file, loaded) {
  const net = tableNetwork(t, file);
  net.loaded = loaded;
  DATA.networks.push(net);
  addOption(net, DATA.networks.length - 1);
  return DATA.networks.length - 1;
}
function loadFile(file) {
  const note = $("load-note");
  note.textContent = ""; note.classList.remove("error");
  const fail = (text) => { note.textContent = text; note.classList.add("error"); };
  if (file.size > DATA.reading.max_bytes) {
    fail(problem("too_big", { name: file.name, size: count(file.size) }).message);
    return;
  }
  const reader = new FileReader();
  reader.onerror = () => fail(`Error: reading ${file.name}: the browser could not read it. Choose the file again.`);
  reader.onload = () => {
    try {
      const t = readTable(String(reader.result), file.name);
      state.model = addTable(t, file.name, true); state.row = 1; state.unit = null; state.view = "net";
      note.textContent = `Loaded ${file.name}. A link to this view names the file but cannot carry it; ` +
        `to share the view, embed the table: convarith explore --table ${file.name} -o page.html`;
      show();
    } catch (error) {
      fail(error instanceof TableProblem ? error.message
        : `Error: reading ${file.name}: the page could not show it (${error}). Export it again: convarith table MODEL --format json.`);
    }
  };
  reader.readAsText(file);
}

// ------------------------------------------------------------------ page

function theme() {
  if (state.theme) return state.theme;
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}
function applyTheme() {
  document.documentElement.dataset.theme = theme();
  $("theme").textContent = theme() === "dark" ? "Light theme" : "Dark theme";
}
function show() {
  $("op").hidden = state.view !== "op";
  $("net").hidden = state.view !== "net";
  $("view-op").setAttribute("aria-pressed", String(state.view === "op"));
  $("view-net").setAttribute("aria-pressed", String(state.view === "net"));
  if (state.view === "net") showNetwork();
  saveHash();
}
function load() {
  fromHash(location.hash);
  if (state.missing) {
    $("load-note").classList.remove("error");
    $("load-note").textContent = `This link showed ${state.missing}, a table loaded from a file; a link ` +
      `cannot carry the file. Load it again here, or embed it in the page: convarith explore --table ` +
      `${state.missing} -o page.html`;
  }
  applyTheme();
  stopPlay();
  syncControls();
  renderOperation();
  show();
}

Promise.all([decode($("payload-operations").textContent),
             decode($("payload-networks").textContent)]).then(([operations, networks]) => {
  DATA = { ...operations, networks: networks.networks, reading: networks.reading };
  buildControls();
  for (const { file, table } of networks.tables) addTable(checkTable(table, file), file, false);
  if (!networks.networks.length && networks.tables.length) state.view = "net";  // built for them
  load();
  window.addEventListener("hashchange", () => { if (location.hash !== toHash()) load(); });
  document.body.dataset.ready = "1";
}).catch((error) => {
  console.error(error);
  $("cli-output").textContent = `The explorer could not start: ${error}`;
});
