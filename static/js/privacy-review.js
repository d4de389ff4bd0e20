// The review page, keyboard first: j/k move between suggestions, a accepts, r
// rejects, A/R decide everywhere in the project, e edits the pseudonym, u undoes,
// m marks the selected text as a person the detector missed. The buttons of the
// focused row do the work (htmx posts them), so the page also works by mouse.
import { utf16ToCodePoints } from "./offsets.js";

let current = 0;

function rows() {
  return Array.from(document.querySelectorAll("#suggestion-list li.suggestion"));
}

function focusRow(index) {
  const list = rows();
  if (!list.length) return;
  current = Math.max(0, Math.min(index, list.length - 1));
  list.forEach((row, i) => row.classList.toggle("current", i === current));
  const row = list[current];
  const mark = document.getElementById(`s-${row.dataset.id}`);
  if (mark) {
    mark.scrollIntoView({ block: "center" });
    document.querySelectorAll("mark.current").forEach((m) => m.classList.remove("current"));
    mark.classList.add("current");
  }
}

function press(decision, everywhere) {
  const row = rows()[current];
  if (!row) return;
  const button = row.querySelector(`button[value="${decision}"]`);
  if (!button) return;
  row.querySelector("input.everywhere").value = everywhere ? "1" : "0";
  button.click();
}

function selectionOffsets() {
  const container = document.getElementById("review-text");
  const selection = window.getSelection();
  if (!container || !selection || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const before = document.createRange();
  before.setStart(container, 0);
  before.setEnd(range.startContainer, range.startOffset);
  const text = container.textContent;
  const start = utf16ToCodePoints(text, before.toString().length);
  const end = utf16ToCodePoints(text, before.toString().length + range.toString().length);
  return start < end ? { start, end } : null;
}

function mark() {
  const form = document.getElementById("mark-form");
  const span = selectionOffsets();
  if (!form || !span) return;
  form.elements.start.value = span.start;
  form.elements.end.value = span.end;
  window.htmx.trigger(form, "submit");
}

document.addEventListener("keydown", (event) => {
  if (event.target.matches("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) {
    if (event.key === "Enter" && event.target.classList.contains("label-field")) {
      event.preventDefault();
      press("accept", false);
    }
    return;
  }
  const actions = {
    j: () => focusRow(current + 1),
    k: () => focusRow(current - 1),
    a: () => press("accept", false),
    r: () => press("reject", false),
    A: () => press("accept", true),
    R: () => press("reject", true),
    u: () => press("undo", false),
    e: () => rows()[current]?.querySelector(".label-field")?.focus(),
    m: mark,
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

document.addEventListener("click", (event) => {
  const target = event.target.closest("mark.pii");
  if (!target) return;
  const index = rows().findIndex((row) => row.dataset.id === target.dataset.id);
  if (index >= 0) focusRow(index);
});

document.body.addEventListener("htmx:afterSwap", () => focusRow(current));
focusRow(0);
