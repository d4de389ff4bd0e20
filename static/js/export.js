// The export page: the filters and the CSV options apply to some kinds only.
// Those that do not apply to the chosen kind are disabled (so not sent either),
// with the legends saying which kinds use them. Without JavaScript all is sent.
const form = document.querySelector("form.export-form");

function kindsOf(name) {
  return new Set((form.dataset[name] || "").split(" ").filter(Boolean));
}

if (form) {
  const filtered = kindsOf("filteredKinds");
  const csv = kindsOf("csvKinds");
  const filters = form.querySelector("#export-filters");
  const options = form.querySelector("#export-csv");

  const update = () => {
    const kind = form.querySelector("input[name=kind]:checked")?.value;
    filters.disabled = !filtered.has(kind);
    options.disabled = !csv.has(kind);
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") update();
  });
  // A new attempt: the previous attempt's errors no longer apply.
  form.addEventListener("htmx:beforeRequest", () => {
    document.querySelector("#export-result .errors")?.remove();
  });
  update();
  document.body.dataset.keysReady = "1";
}
