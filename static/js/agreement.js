// Agreement pages: sortable matrix, measures that fit the chosen unit, copy buttons.
import { makeSortable } from "./sortable.js";

function refresh() {
  const table = document.getElementById("agreement-matrix");
  if (table && !table.dataset.sortable) {
    makeSortable(table);
    table.dataset.sortable = "1";
  }
}

// Only offer the measures the chosen unit has (the server checks again).
const unit = document.getElementById("a-unit");
function showMeasures() {
  document.querySelectorAll(".measure-choice").forEach((label) => {
    const fits = label.dataset.units.split(" ").includes(unit.value);
    label.hidden = !fits;
    if (!fits) label.querySelector("input").checked = false;
  });
}
if (unit) {
  unit.addEventListener("change", showMeasures);
  showMeasures();
}

// Copy a methods paragraph to the clipboard.
document.body.addEventListener("click", async (event) => {
  const button = event.target.closest(".copy-button");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.dataset.label ??= button.textContent;
    button.textContent = "✓";
    setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
  } catch {
    window.getSelection().selectAllChildren(source);  // no clipboard: select it instead
  }
});

refresh();
document.body.addEventListener("htmx:afterSwap", refresh);
