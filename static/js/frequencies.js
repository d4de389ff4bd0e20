// Code frequencies: a bar chart of the table's first scope, and sortable columns.
import { barChart } from "./barchart.js";
import { makeSortable } from "./sortable.js";

let chart = null;

function draw() {
  const data = document.getElementById("chart-data");
  const canvas = document.getElementById("frequency-chart");
  if (!data || !canvas || !window.Chart) return;
  chart?.destroy();
  chart = barChart(canvas, JSON.parse(data.textContent));
}

function refresh() {
  draw();
  const table = document.getElementById("frequencies");
  if (table) makeSortable(table);
}

refresh();
document.body.addEventListener("htmx:afterSwap", refresh);
