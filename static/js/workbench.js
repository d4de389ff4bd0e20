// The document page: select text (mouse, Shift+arrows or touch), choose a code, see it
// at once. Offsets sent to the server are code points; see offsets.js. The codings
// arrive as compact JSON (#codings-data, replaced out-of-band by an answer; a new
// coding on one's own layer comes alone, in #codings-added) and paint.js draws
// highlights, margin stripes, the codes panel and the coding list.
import { selectCodePoints, selectedSpan as selectedSpanIn } from "./selection.js";
import { assignLanes, byPosition, paintBlock, parseCodings, pieceBounds, readBlocks, snippet } from "./paint.js";

const root = document.getElementById("workbench");
const docText = document.getElementById("doc-text");
const stripesEl = document.getElementById("stripes");
const palette = document.getElementById("palette");
const filterInput = document.getElementById("palette-filter");
const list = document.getElementById("palette-list");
const codes = JSON.parse(document.getElementById("palette-data").textContent);
const strings = JSON.parse(document.getElementById("workbench-strings").textContent);
const coderRows = JSON.parse(document.getElementById("coders-data").textContent);
const coders = new Map(coderRows.map(([id, name, color], index) => [id, { name, color, index }]));
const codeById = new Map(codes.map((code) => [code.id, code]));
const canCode = root.dataset.canCode === "1";
const manyLayers = root.dataset.manyLayers === "1";
const recentKey = `regie-recent-codes-${root.dataset.project}`;

let pending = null; // {start, end} waiting for a code
let visible = []; // codes listed in the palette, in order
let active = 0;

/** The current selection in the transcript as {start, end} code points, or null. */
function selectedSpan() {
  return selectedSpanIn(docText);
}

function recentIds() {
  try {
    return JSON.parse(localStorage.getItem(recentKey) || "[]");
  } catch {
    return [];
  }
}

function remember(codeId) {
  const ids = [codeId, ...recentIds().filter((id) => id !== codeId)].slice(0, 8);
  localStorage.setItem(recentKey, JSON.stringify(ids));
}

function orderedCodes(filter) {
  const needle = filter.trim().toLocaleLowerCase();
  const matches = codes.filter(
    (code) => !needle || code.path.toLocaleLowerCase().includes(needle) || code.shortcut === needle,
  );
  const recent = recentIds();
  const rank = (code) => {
    const r = recent.indexOf(code.id);
    return r === -1 ? recent.length : r;
  };
  return matches
    .map((code, index) => ({ code, index }))
    .sort((a, b) => rank(a.code) - rank(b.code) || a.index - b.index)
    .map((item) => item.code);
}

function renderList() {
  visible = orderedCodes(filterInput.value);
  active = Math.min(active, Math.max(visible.length - 1, 0));
  list.replaceChildren(
    ...visible.map((code, index) => {
      const item = document.createElement("li");
      item.role = "option";
      item.id = `palette-code-${code.id}`;
      item.dataset.id = code.id;
      item.title = code.description || code.path;
      item.setAttribute("aria-selected", index === active ? "true" : "false");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = code.fill;
      const name = document.createElement("span");
      name.className = "code-path";
      name.textContent = code.path;
      item.append(swatch, name);
      if (code.shortcut) {
        const key = document.createElement("kbd");
        key.textContent = code.shortcut;
        item.append(key);
      }
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        apply(code);
      });
      return item;
    }),
  );
  if (visible[active]) {
    filterInput.setAttribute("aria-activedescendant", `palette-code-${visible[active].id}`);
    document.getElementById(`palette-code-${visible[active].id}`)?.scrollIntoView({ block: "nearest" });
  }
}

function openPalette(span, anchorRect) {
  if (!canCode || !span) return;
  pending = span;
  filterInput.value = "";
  active = 0;
  renderList();
  palette.hidden = false;
  const top = (anchorRect?.bottom ?? 100) + window.scrollY + 6;
  const left = Math.min((anchorRect?.left ?? 100) + window.scrollX, window.scrollX + window.innerWidth - palette.offsetWidth - 16);
  palette.style.top = `${top}px`;
  palette.style.left = `${Math.max(left, 8)}px`;
  filterInput.focus({ preventScroll: true });
}

function closePalette() {
  palette.hidden = true;
  pending = null;
}

function csrfHeaders() {
  return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
}

/** The relation form (network app) for a span, in the side panel; flow preselected. */
function openRelation(span, flow) {
  if (!canCode || !span || !root.dataset.relationUrl) return;
  closePalette();
  const query = new URLSearchParams({ start: span.start, end: span.end, flow: flow || "", layers: root.dataset.layers });
  window.htmx
    .ajax("GET", `${root.dataset.relationUrl}?${query}`, { source: docText, target: "#panel", swap: "innerHTML" })
    .then(() => document.getElementById("relation-source")?.focus());
}

/** Code the pending span. Requests from the text queue one behind the other
 * (hx-sync "queue all" on #doc-text), so codes applied in quick succession are
 * all saved. From the keyboard (``keep``), the passage stays selected and focused:
 * a second shortcut adds a second code to it. */
function apply(code, { keep = false } = {}) {
  if (!pending) return;
  if (code.flow) {
    openRelation(pending, code.flow); // a relation code asks for its actors first
    return;
  }
  const { start, end } = pending;
  closePalette();
  remember(code.id);
  showOwnLayer();
  window.getSelection()?.removeAllRanges();
  // Drawn at once (dashed) and confirmed or taken back by the server's answer.
  hidden.delete(code.id);
  unsaved.push({ id: 0, start, end, code: code.id, coder: Number(root.dataset.user), memo: "", pending: true });
  repaint({ margin: false });
  if (keep) {
    docText.focus({ preventScroll: true });
    selectCodePoints(docText, start, end);
  }
  say(strings.saving, "busy");
  window.htmx.ajax("POST", root.dataset.applyUrl, {
    source: docText,
    target: "#status",
    swap: "none",
    values: { code: code.id, start, end, layers: root.dataset.layers },
    headers: csrfHeaders(),
  });
}

/** A new coding is one's own: make sure one's own layer is drawn. */
function showOwnLayer() {
  const layers = root.dataset.layers.split(",").filter(Boolean);
  if (layers.includes(root.dataset.user)) return;
  root.dataset.layers = [...layers, root.dataset.user].join(",");
  const box = document.querySelector(`.layer-toggle[value="${root.dataset.user}"]`);
  if (box) box.checked = true;
}

function undo() {
  window.htmx.ajax("POST", root.dataset.undoUrl, {
    source: docText,
    target: "#status",
    swap: "none",
    values: { layers: root.dataset.layers },
    headers: csrfHeaders(),
  });
}

function showPanel(ids) {
  const query = `ids=${encodeURIComponent(ids)}&layers=${encodeURIComponent(root.dataset.layers)}`;
  window.htmx.ajax("GET", `${root.dataset.panelUrl}?${query}`, {
    source: docText,
    target: "#panel",
    swap: "innerHTML",
  });
}

// Reading is allowed, writing into the transcript never: the text is only a surface
// for caret and selection (so keyboard users can select with Shift+arrows).
for (const type of ["beforeinput", "paste", "drop", "cut"]) {
  docText.addEventListener(type, (event) => event.preventDefault());
}

docText.addEventListener("mouseup", () => {
  // Let the browser finish the selection first.
  setTimeout(() => {
    const span = selectedSpan();
    if (span) openPalette(span, window.getSelection().getRangeAt(0).getBoundingClientRect());
  }, 0);
});

docText.addEventListener("click", (event) => {
  const selection = window.getSelection();
  if (selection && !selection.isCollapsed) return;
  const mark = event.target.closest?.("span.hl");
  if (mark) {
    markSelected(mark.dataset.c.split(",")[0]);
    showPanel(mark.dataset.c);
  }
});

docText.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const span = selectedSpan();
  if (event.key === "Enter") {
    event.preventDefault();
    if (span) openPalette(span, window.getSelection().getRangeAt(0).getBoundingClientRect());
    return;
  }
  if (span && event.key === "r" && !codes.some((c) => c.shortcut === "r")) {
    event.preventDefault();
    openRelation(span, "");
    return;
  }
  if (span && event.key.length === 1) {
    const code = codes.find((c) => c.shortcut && c.shortcut === event.key);
    if (code) {
      event.preventDefault();
      pending = span;
      apply(code, { keep: true });
    }
  }
});

filterInput.addEventListener("input", () => {
  active = 0;
  renderList();
});

filterInput.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    active = (active + step + visible.length) % Math.max(visible.length, 1);
    renderList();
  } else if (event.key === "Enter") {
    event.preventDefault();
    if (visible[active]) apply(visible[active], { keep: true });
  } else if (event.key === "Escape") {
    event.preventDefault();
    closePalette();
    docText.focus();
  } else if (filterInput.value === "" && event.key.length === 1 && !event.ctrlKey && !event.metaKey) {
    const code = codes.find((c) => c.shortcut && c.shortcut === event.key);
    if (code) {
      event.preventDefault();
      apply(code, { keep: true });
    }
  }
});

filterInput.addEventListener("blur", () => {
  setTimeout(() => {
    if (!palette.contains(document.activeElement)) closePalette();
  }, 150);
});

document.getElementById("palette-relation")?.addEventListener("mousedown", (event) => {
  event.preventDefault();
  openRelation(pending, "");
});

const panelPlaceholder = document.getElementById("panel").innerHTML;

document.addEventListener("click", (event) => {
  if (event.target.closest?.("[data-relation-cancel]")) {
    document.getElementById("panel").innerHTML = panelPlaceholder;
    docText.focus();
    return;
  }
  const turnButton = event.target.closest?.("button.code-turn");
  if (turnButton) {
    const span = { start: Number(turnButton.dataset.start), end: Number(turnButton.dataset.end) };
    openPalette(span, turnButton.getBoundingClientRect());
    return;
  }
  const listed = event.target.closest?.("button.coding-link, button.stripe");
  if (listed) selectCoding(listed.dataset.id);
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !palette.hidden) closePalette();
});

// Layer toggles (supervisors): reload the page with the chosen coders' layers.
const layersForm = document.getElementById("layers-form");
layersForm?.addEventListener("change", () => {
  const ids = [...layersForm.querySelectorAll(".layer-toggle:checked")].map((box) => box.value);
  document.getElementById("layers-field").value = ids.join(",");
  layersForm.submit();
});

/** Arriving from the coded segments page (#pos-1234): show that place in the text. */
function scrollToHash() {
  const wanted = /^#pos-(\d+)$/.exec(window.location.hash);
  if (!wanted) return;
  const offset = Number(wanted[1]);
  const pieces = [...docText.querySelectorAll("span[data-s]")];
  const piece = pieces.findLast((el) => Number(el.dataset.s) <= offset);
  if (piece) {
    piece.scrollIntoView({ block: "center" });
    piece.classList.add("flash");
  }
}

// ------------------------------------------------------------------ painting

const blocks = readBlocks(docText);
let rawData = "";
let codings = [];
let unsaved = []; // codings being saved (oldest first), drawn before the server confirms them
const hidden = new Set(); // code ids hidden from the text, stripes and list
let focusedCode = null;
let selectedId = null;
let marginFrame = 0;

function say(text, kind) {
  const box = document.getElementById("status");
  const line = document.createElement("span");
  line.className = kind === "error" ? "status-error" : kind === "busy" ? "status-busy" : "status-ok";
  if (kind === "error") line.setAttribute("role", "alert");
  line.textContent = text;
  box.replaceChildren(line);
}

function codeName(id) {
  return codeById.get(id)?.name ?? "?";
}

function describe(coding) {
  const parts = [codeName(coding.code)];
  const coder = coders.get(coding.coder);
  if (coder) parts.push(coder.name);
  if (coding.memo) parts.push(coding.memo);
  return parts.join(" — ");
}

function drawnCodings() {
  const shown = codings.filter((c) => !hidden.has(c.code));
  if (unsaved.length) {
    shown.push(...unsaved);
    shown.sort(byPosition);
  }
  return shown;
}

function look(span, covering) {
  const saved = covering.filter((c) => !c.pending);
  if (saved.length) {
    span.className = "hl";
    span.dataset.c = saved.map((c) => c.id).join(",");
    span.title = saved.map(describe).join("\n");
  }
  if (saved.length < covering.length) span.classList.add("hl-pending");
  const inner = covering[covering.length - 1];
  span.style.backgroundColor = codeById.get(inner.code)?.fill ?? "#c8c8c8";
  const bars = covering.slice(-3).map((c, i) => {
    const color = manyLayers ? coders.get(c.coder)?.color : codeById.get(c.code)?.line;
    return `inset 0 -${3 * (i + 1)}px 0 ${color ?? "#555"}`;
  });
  span.style.boxShadow = bars.join(", ");
}

/** For every block, the drawn codings touching it (one sweep, codings in order). */
function perBlock(drawn) {
  const result = blocks.map(() => []);
  let first = 0;
  for (const c of drawn) {
    while (first < blocks.length && blocks[first].end <= c.start) first++;
    for (let i = first; i < blocks.length && blocks[i].start < Math.max(c.end, c.start + 1); i++) {
      result[i].push(c);
    }
  }
  return result;
}

/** Repaint only the blocks whose set of codings changed; the margin follows (not
 * for a coding still being saved: the highlight first, the rest with the answer). */
function repaint({ margin = true } = {}) {
  const drawn = drawnCodings();
  const touching = perBlock(drawn);
  blocks.forEach((block, i) => {
    const sig = touching[i].map((c) => `${c.id}:${c.start}:${c.end}:${c.code}`).join(",");
    if (block.sig === sig || (block.sig === undefined && sig === "")) return;
    paintBlock(block, touching[i], look);
    block.sig = sig;
  });
  if (!margin) return;
  cancelAnimationFrame(marginFrame);
  marginFrame = requestAnimationFrame(() => {
    drawStripes(drawn.filter((c) => !c.pending));
    drawCodes();
    drawList();
  });
}

/** Read the codings the last answer brought (if any) and draw what changed. An
 * answer to a coding request (saved, refused or failed) takes back the oldest
 * coding drawn ahead: the requests are sent one by one, in order. */
function sync(event) {
  const data = document.getElementById("codings-data");
  const addedBox = document.getElementById("codings-added");
  const raw = data.textContent;
  const added = addedBox.textContent;
  const answered = event?.detail?.pathInfo?.requestPath === root.dataset.applyUrl && unsaved.length > 0;
  if (answered) unsaved.shift();
  if (raw === rawData && !added && !answered) return;
  if (raw !== rawData) {
    rawData = raw;
    codings = parseCodings(JSON.parse(raw));
  }
  if (added) {
    // A new coding of one's own, added to what the page has. The list it joins
    // is emptied, so the next list an answer brings is read whatever it holds
    // (an undo brings back the very list from before this coding).
    addedBox.textContent = "";
    data.textContent = rawData = "";
    const known = new Set(codings.map((c) => c.id));
    const fresh = parseCodings(JSON.parse(added)).filter((c) => !known.has(c.id));
    codings = [...codings, ...fresh].sort(byPosition);
  }
  repaint();
}

function drawStripes(drawn) {
  const bounds = pieceBounds(docText);
  const base = stripesEl.getBoundingClientRect().top;
  const placed = [];
  for (const c of drawn) {
    const pieces = bounds.get(String(c.id));
    if (!pieces) continue;
    const top = pieces[0].getBoundingClientRect().top - base;
    const bottom = Math.max(pieces[1].getBoundingClientRect().bottom - base, top + 12);
    placed.push({ id: c.id, top, bottom, coding: c });
  }
  placed.sort((a, b) => a.top - b.top || b.bottom - a.bottom);
  const { lanes, count, dense } = assignLanes(placed);
  stripesEl.style.setProperty("--lanes", count);
  stripesEl.classList.toggle("dense", dense);
  const fragment = document.createDocumentFragment();
  let first = true;
  for (const { coding: c, top, bottom } of placed) {
    const stripe = document.createElement("button");
    stripe.type = "button";
    stripe.className = `stripe p${manyLayers ? (coders.get(c.coder)?.index ?? 0) : 0}`;
    stripe.dataset.id = c.id;
    stripe.tabIndex = first ? 0 : -1;
    first = false;
    stripe.style.top = `${top}px`;
    stripe.style.height = `${bottom - top}px`;
    stripe.style.setProperty("--lane", lanes.get(c.id));
    stripe.style.setProperty("--c", codeById.get(c.code)?.line ?? "#555");
    if (manyLayers) stripe.style.setProperty("--coder", coders.get(c.coder)?.color ?? "#555");
    stripe.title = describe(c);
    stripe.setAttribute("aria-label", describe(c));
    if (c.id === selectedId) stripe.setAttribute("aria-current", "true");
    const label = document.createElement("span");
    label.textContent = codeName(c.code);
    stripe.append(label);
    fragment.append(stripe);
  }
  stripesEl.replaceChildren(fragment);
}

function drawCodes() {
  const counts = new Map();
  for (const c of codings) counts.set(c.code, (counts.get(c.code) ?? 0) + 1);
  const items = codes
    .filter((code) => counts.has(code.id))
    .map((code) => {
      const item = document.createElement("li");
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = !hidden.has(code.id);
      box.dataset.code = code.id;
      box.className = "code-toggle";
      box.setAttribute("aria-label", strings.shown.replace("%(code)s", code.path));
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = code.fill;
      swatch.style.borderColor = code.line;
      const name = document.createElement("span");
      name.className = "code-name";
      name.textContent = code.name;
      name.title = code.path;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = counts.get(code.id);
      label.append(box, swatch, name, count);
      const only = document.createElement("button");
      only.type = "button";
      only.className = "code-only link-button";
      only.dataset.code = code.id;
      only.textContent = strings.only;
      only.setAttribute("aria-pressed", focusedCode === code.id ? "true" : "false");
      item.append(label, only);
      return item;
    });
  document.getElementById("doc-codes").replaceChildren(...items);
  document.getElementById("doc-codes-empty").hidden = items.length > 0;
  document.getElementById("codes-show-all").hidden = hidden.size === 0;
}

function drawList() {
  const listEl = document.getElementById("coding-list");
  const shown = codings.filter((c) => !hidden.has(c.code));
  if (!shown.length) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = strings.noCodings;
    listEl.replaceChildren(empty);
    return;
  }
  listEl.replaceChildren(
    ...shown.map((c) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "coding-link";
      button.dataset.id = c.id;
      button.dataset.start = c.start;
      button.title = describe(c);
      if (c.id === selectedId) button.setAttribute("aria-current", "true");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = codeById.get(c.code)?.fill ?? "";
      const name = document.createElement("span");
      name.className = "code-name";
      name.textContent = codeName(c.code);
      button.append(swatch, name);
      if (manyLayers) {
        const who = document.createElement("span");
        who.className = "muted";
        who.textContent = coders.get(c.coder)?.name ?? "";
        button.append(who);
      }
      const text = document.createElement("span");
      text.className = "snippet";
      text.textContent = snippet(blocks, c.start, c.end);
      button.append(text);
      if (c.memo) {
        const flag = document.createElement("span");
        flag.className = "memo-flag";
        flag.title = strings.memo;
        flag.textContent = "✎";
        button.append(flag);
      }
      item.append(button);
      return item;
    }),
  );
}

function markSelected(id) {
  selectedId = Number(id);
  for (const el of document.querySelectorAll(".stripe[aria-current], .coding-link[aria-current]")) {
    el.removeAttribute("aria-current");
  }
  for (const el of docText.querySelectorAll("span.selected")) el.classList.remove("selected");
  for (const el of document.querySelectorAll(`.stripe[data-id="${selectedId}"], .coding-link[data-id="${selectedId}"]`)) {
    el.setAttribute("aria-current", "true");
    if (el.classList.contains("coding-link")) el.scrollIntoView({ block: "nearest" });
  }
  const pieces = [...docText.querySelectorAll("span.hl")].filter((el) => el.dataset.c.split(",").includes(String(selectedId)));
  for (const el of pieces) el.classList.add("selected");
  return pieces;
}

/** A coding chosen in the margin or the list: show it in the text, the list and the panel. */
function selectCoding(id) {
  const pieces = markSelected(id);
  pieces[0]?.scrollIntoView({ block: "center", behavior: "smooth" });
  showPanel(String(id));
}

function setHidden(ids, focus) {
  hidden.clear();
  for (const id of ids) hidden.add(id);
  focusedCode = focus;
  repaint();
}

document.getElementById("doc-codes").addEventListener("change", (event) => {
  const box = event.target.closest(".code-toggle");
  if (!box) return;
  const id = Number(box.dataset.code);
  const next = new Set(hidden);
  if (box.checked) next.delete(id);
  else next.add(id);
  setHidden(next, null);
});

document.getElementById("doc-codes").addEventListener("click", (event) => {
  const only = event.target.closest(".code-only");
  if (!only) return;
  const id = Number(only.dataset.code);
  if (focusedCode === id) {
    setHidden([], null);
    return;
  }
  const others = new Set(codings.map((c) => c.code));
  others.delete(id);
  setHidden(others, id);
});

document.getElementById("codes-show-all").addEventListener("click", () => setHidden([], null));

// Stripes: one tab stop; arrow keys move between stripes (in text order).
stripesEl.addEventListener("keydown", (event) => {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const all = [...stripesEl.querySelectorAll(".stripe")];
  const at = all.indexOf(document.activeElement);
  const next = all[at + (event.key === "ArrowDown" ? 1 : -1)];
  if (!next) return;
  event.preventDefault();
  for (const stripe of all) stripe.tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
});

// Every answer ends up in the status line; the codings are re-read after each one.
document.addEventListener("htmx:afterRequest", sync);
document.addEventListener("htmx:sendError", () => say(strings.offline, "error"));
document.addEventListener("htmx:timeout", () => say(strings.offline, "error"));
document.addEventListener("htmx:responseError", () => say(strings.serverError, "error"));

let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => drawStripes(drawnCodings().filter((c) => !c.pending)), 150);
});

// Touch screens select without a mouse: a button (shown on coarse pointers only, and
// always there so that the text never moves while one selects) opens the palette.
const codeSelection = document.getElementById("code-selection");
let touchSpan = null;
if (codeSelection) {
  document.addEventListener("selectionchange", () => {
    touchSpan = selectedSpan();
    codeSelection.disabled = !touchSpan;
  });
  codeSelection.addEventListener("mousedown", (event) => event.preventDefault());
  codeSelection.addEventListener("click", () => {
    if (touchSpan) openPalette(touchSpan, codeSelection.getBoundingClientRect());
  });
}

// The "code this whole turn" buttons, for who may code.
if (canCode) {
  for (const block of blocks) {
    const cs = block.el.dataset.cs;
    if (cs === undefined) continue;
    const speaker = block.text.slice(0, Number(cs) - block.start).replace(/[\s:*]+$/, "") || "—";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "code-turn";
    button.dataset.start = cs;
    button.dataset.end = block.end;
    button.title = strings.turnTitle;
    button.setAttribute("aria-label", strings.turnLabel.replace("%(speaker)s", speaker));
    button.textContent = "+";
    block.gutter.append(button);
  }
}

sync();
drawStripes(drawnCodings());
scrollToHash();
root.dataset.ready = "1";
