// Code frequencies: a bar chart of the table's first scope, and sortable columns.
import { makeSortable } from "./sortable.js";

let chart = null;

function draw() {
  const data = document.getElementById("chart-data");
  const canvas = document.getElementById("frequency-chart");
  if (!data || !canvas || !window.Chart) return;
  const rows = JSON.parse(data.textContent);
  chart?.destroy();
  chart = new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => r.label),
      datasets: [{ data: rows.map((r) => r.value), backgroundColor: rows.map((r) => r.color), borderColor: "#55606e", borderWidth: 1 }],
    },
    options: { indexAxis: "y", animation: false, plugins: { legend: { display: false } }, maintainAspectRatio: false },
  });
}

function refresh() {
  draw();
  const table = document.getElementById("frequencies");
  if (table) makeSortable(table);
}

refresh();
document.body.addEventListener("htmx:afterSwap", refresh);
