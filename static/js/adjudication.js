// Adjudication keys: j/k next/previous, a/b/o/n decide, e use the selected span.
// The panel (#adjudication) is replaced by htmx after each move or decision, so
// every element is looked up when it is needed, and focus returns to the heading.
import { selectedSpan } from "./selection.js";

function selectionInContext() {
  for (const id of ["context-a", "context-b"]) {
    const container = document.getElementById(id);
    const span = container && selectedSpan(container);
    if (span) return span;
  }
  return null;
}

function say(text) {
  const status = document.getElementById("adj-status");
  if (!status) return;
  const line = document.createElement("span");
  line.className = "status-error";
  line.textContent = text;
  status.replaceChildren(line);
}

// "Use my selection": fill in the span, or say what is missing and send nothing.
document.addEventListener("click", (event) => {
  const button = event.target.closest?.("#edit-button");
  if (!button) return;
  const span = selectionInContext();
  if (!span) {
    event.preventDefault();
    event.stopPropagation();
    say(button.dataset.missing);
    return;
  }
  document.getElementById("edit-start").value = span.start;
  document.getElementById("edit-end").value = span.end;
}, true);

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.("input, select, textarea")) return;
  if (event.key === "j" || event.key === "ArrowRight") {
    document.getElementById("next-link")?.click();
  } else if (event.key === "k" || event.key === "ArrowLeft") {
    document.getElementById("prev-link")?.click();
  } else {
    const button = document.querySelector(`#decide-form button[data-key="${event.key}"]`);
    if (button) {
      event.preventDefault();
      button.click();
    }
  }
});

// Each context box scrolls to its first highlight; the list to the current row.
function showCurrent() {
  for (const box of document.querySelectorAll("#adjudication .unit-context")) {
    const mark = box.querySelector(".hl");
    if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - 40);
  }
  const row = document.querySelector('.unit-list a[aria-current="true"]');
  const list = row?.closest(".unit-list");
  if (row && list) list.scrollTop = row.offsetTop - list.offsetTop - list.clientHeight / 2;
}

document.addEventListener("htmx:afterSettle", () => {
  const heading = document.getElementById("difference-heading");
  if (!heading) return;
  heading.focus({ preventScroll: true });
  const top = heading.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight / 2) heading.scrollIntoView({ block: "start" });
  showCurrent();
});

showCurrent();
document.body.dataset.keysReady = "1";
