// Analysis pages: bar charts drawn from JSON next to their canvas, sortable tables.
// A canvas names its data with data-chart-source="<id of a json_script>"; rows are
// {label, value, color?}. Runs again after every htmx swap (polling, filters).
import { barChart } from "./barchart.js";
import { makeSortable } from "./sortable.js";

const charts = new Map();

function drawCharts() {
  if (!window.Chart) return;
  for (const canvas of document.querySelectorAll("canvas[data-chart-source]")) {
    const source = document.getElementById(canvas.dataset.chartSource);
    if (!source) continue;
    charts.get(canvas.id)?.destroy();
    charts.set(canvas.id, barChart(canvas, JSON.parse(source.textContent)));
  }
}

function refresh() {
  drawCharts();
  for (const table of document.querySelectorAll("table.sortable:not([data-sortable])")) {
    table.dataset.sortable = "1";
    makeSortable(table);
  }
}

// Co-occurrence heatmap: the cell under the pointer or the keyboard focus names its
// two codes in full above the map and marks its row and column heads.
function showCell(event) {
  const link = event.target.closest?.("#cooccurrence-heatmap td a");
  const table = document.getElementById("cooccurrence-heatmap");
  const status = document.getElementById("heatmap-focus");
  if (!link || !table || !status) return;
  for (const head of table.querySelectorAll(".in-focus")) head.classList.remove("in-focus");
  const cell = link.closest("td");
  const row = cell.parentElement;
  row.querySelector("th")?.classList.add("in-focus");
  table.tHead.rows[0].cells[cell.cellIndex]?.classList.add("in-focus");
  status.textContent = link.title;
}
document.body.addEventListener("mouseover", showCell);
document.body.addEventListener("focusin", showCell);

refresh();
document.body.addEventListener("htmx:afterSwap", refresh);
document.body.dataset.keysReady = "1"; // browser tests wait for this
