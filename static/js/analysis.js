// Analysis pages: bar charts drawn from JSON next to their canvas, sortable tables.
// A canvas names its data with data-chart-source="<id of a json_script>"; rows are
// {label, value, color?}. Runs again after every htmx swap (polling, filters).
import { makeSortable } from "./sortable.js";

const charts = new Map();

function drawCharts() {
  if (!window.Chart) return;
  for (const canvas of document.querySelectorAll("canvas[data-chart-source]")) {
    const source = document.getElementById(canvas.dataset.chartSource);
    if (!source) continue;
    const rows = JSON.parse(source.textContent);
    charts.get(canvas.id)?.destroy();
    charts.set(
      canvas.id,
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: rows.map((r) => r.label),
          datasets: [
            {
              data: rows.map((r) => r.value),
              backgroundColor: rows.map((r) => r.color || "#7fa7c9"),
              borderColor: "#55606e",
              borderWidth: 1,
            },
          ],
        },
        options: { indexAxis: "y", animation: false, plugins: { legend: { display: false } }, maintainAspectRatio: false },
      }),
    );
  }
}

function refresh() {
  drawCharts();
  for (const table of document.querySelectorAll("table.sortable:not([data-sortable])")) {
    table.dataset.sortable = "1";
    makeSortable(table);
  }
}

refresh();
document.body.addEventListener("htmx:afterSwap", refresh);
