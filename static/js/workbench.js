// The document page: select text (mouse or Shift+arrows), choose a code, see it at once.
// Offsets sent to the server are code points; see offsets.js.
import { selectedSpan as selectedSpanIn } from "./selection.js";

const root = document.getElementById("workbench");
const docText = document.getElementById("doc-text");
const palette = document.getElementById("palette");
const filterInput = document.getElementById("palette-filter");
const list = document.getElementById("palette-list");
const codes = JSON.parse(document.getElementById("palette-data").textContent);
const canCode = root.dataset.canCode === "1";
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
      swatch.style.background = code.color;
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

function apply(code) {
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
  if (mark) showPanel(mark.dataset.c);
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
      apply(code);
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
    if (visible[active]) apply(visible[active]);
  } else if (event.key === "Escape") {
    event.preventDefault();
    closePalette();
    docText.focus();
  } else if (filterInput.value === "" && event.key.length === 1 && !event.ctrlKey && !event.metaKey) {
    const code = codes.find((c) => c.shortcut && c.shortcut === event.key);
    if (code) {
      event.preventDefault();
      apply(code);
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
  const listed = event.target.closest?.("button.coding-link");
  if (listed) {
    const piece = [...docText.querySelectorAll("span.hl")].find((el) =>
      el.dataset.c.split(",").includes(listed.dataset.id),
    );
    piece?.scrollIntoView({ block: "center", behavior: "smooth" });
    showPanel(listed.dataset.id);
  }
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

// Arriving from the coded segments page (#pos-1234): show that place in the text.
const wanted = /^#pos-(\d+)$/.exec(window.location.hash);
if (wanted) {
  const offset = Number(wanted[1]);
  const pieces = [...docText.querySelectorAll("span[data-s]")];
  const piece = pieces.findLast((el) => Number(el.dataset.s) <= offset);
  if (piece) {
    piece.scrollIntoView({ block: "center" });
    piece.classList.add("flash");
  }
}

root.dataset.ready = "1";
