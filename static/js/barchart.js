// A horizontal bar chart of {label, value, color?} rows (Chart.js), shared by the
// analysis pages. Every row gets its label (long code paths are shortened from
// the left, the tooltip shows them whole) and the box grows with the rows, so
// no label is skipped or cut off.
const ROW_HEIGHT = 22; // px per bar
const MAX_LABEL = 52; // characters of a label under the axis

// "A > B > C" too long for the axis keeps its last levels: "… > B > C".
function shorten(label) {
  const text = String(label);
  if (text.length <= MAX_LABEL) return text;
  const parts = text.split(" > ");
  let kept = parts.pop();
  while (parts.length && `… > ${parts.at(-1)} > ${kept}`.length <= MAX_LABEL) {
    kept = `${parts.pop()} > ${kept}`;
  }
  if (kept === text) return `…${text.slice(-(MAX_LABEL - 1))}`;
  const short = `… > ${kept}`;
  return short.length <= MAX_LABEL ? short : `…${kept.slice(-(MAX_LABEL - 1))}`;
}

export function barChart(canvas, rows) {
  canvas.parentElement.style.height = `${Math.max(160, rows.length * ROW_HEIGHT + 60)}px`;
  return new window.Chart(canvas, {
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
    options: {
      indexAxis: "y",
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 } },
        y: {
          ticks: {
            autoSkip: false,
            callback(value) {
              return shorten(this.getLabelForValue(value));
            },
          },
        },
      },
    },
  });
}
