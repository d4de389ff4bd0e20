// Code pickers: <select data-code-picker> lists codes by full path; a filter box
// above it hides the options that do not match as one types. Without JS the select
// works as it is. The box's label and "no match" text come from data attributes.
function enhance(select) {
  const box = document.createElement("div");
  box.className = "code-picker";
  const input = document.createElement("input");
  input.type = "search";
  input.id = `${select.id}-filter`;
  input.autocomplete = "off";
  input.setAttribute("aria-controls", select.id);
  const label = document.createElement("label");
  label.htmlFor = input.id;
  label.className = "code-picker-label";
  label.textContent = select.dataset.filterLabel;
  const none = document.createElement("p");
  none.className = "muted code-picker-none";
  none.setAttribute("aria-live", "polite");
  select.before(box);
  box.append(label, input, select, none);
  select.size = Math.min(8, select.options.length);
  // A long path may be cut at the list's edge: hovering shows it whole.
  for (const option of select.options) option.title = option.textContent;

  input.addEventListener("input", () => {
    const words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    let first = null;
    for (const option of select.options) {
      const text = option.textContent.toLocaleLowerCase();
      const match = option.value === "" ? words.length === 0 : words.every((w) => text.includes(w));
      option.hidden = !match;
      if (match) {
        shown += 1;
        first ??= option.value === "" ? null : option;
      }
    }
    if (select.selectedOptions[0]?.hidden && first) first.selected = true;
    none.textContent = shown ? "" : select.dataset.none;
  });
  // Down arrow from the box goes to the list; Enter there does not send the form.
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      select.focus();
    } else if (event.key === "Enter") {
      event.preventDefault();
    }
  });
}

for (const select of document.querySelectorAll("select[data-code-picker]")) enhance(select);
