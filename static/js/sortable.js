// Click a column header to sort a table (again to reverse); numbers sort as numbers.
export function makeSortable(table) {
  const headers = [...table.querySelectorAll("thead th[data-sort]")];
  headers.forEach((th, column) => {
    th.tabIndex = 0;
    th.setAttribute("aria-sort", "none");
    const sort = () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach((other) => other.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const numeric = th.dataset.sort === "number";
      const body = table.tBodies[0];
      const rows = [...body.rows];
      const value = (row) => row.cells[column].textContent.trim();
      rows.sort((a, b) => {
        const x = value(a);
        const y = value(b);
        const order = numeric ? Number(x) - Number(y) : x.localeCompare(y, document.documentElement.lang);
        return ascending ? order : -order;
      });
      body.append(...rows);
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        sort();
      }
    });
  });
}
