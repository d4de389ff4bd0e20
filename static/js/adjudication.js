// Adjudication keys: j/k next/previous, a/b/o/n decide, e use the selected span.
import { selectedSpan } from "./selection.js";

const form = document.getElementById("decide-form");
const contexts = [document.getElementById("context-a"), document.getElementById("context-b")];

function selectionInContext() {
  for (const container of contexts) {
    const span = container && selectedSpan(container);
    if (span) return span;
  }
  return null;
}

function submitWith(button) {
  if (button.value === "edited") {
    const span = selectionInContext();
    if (!span) {
      button.setCustomValidity?.("");
      alert(document.documentElement.lang === "nl"
        ? "Selecteer eerst de juiste passage in een van de twee teksten."
        : "First select the right passage in one of the two texts.");
      return;
    }
    document.getElementById("edit-start").value = span.start;
    document.getElementById("edit-end").value = span.end;
  }
  form.requestSubmit(button);
}

if (form) {
  document.getElementById("edit-button").addEventListener("click", (event) => {
    event.preventDefault();
    submitWith(event.currentTarget);
  });
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.("input, select, textarea")) return;
  if (event.key === "j" || event.key === "ArrowRight") {
    document.getElementById("next-link")?.click();
  } else if (event.key === "k" || event.key === "ArrowLeft") {
    document.getElementById("prev-link")?.click();
  } else if (form) {
    const button = form.querySelector(`button[data-key="${event.key}"]`);
    if (button) {
      event.preventDefault();
      submitWith(button);
    }
  }
});

document.body.dataset.keysReady = "1";
