// The header's menus. Each group is a <details class="menu"> (opens with Enter or
// Space without any script); this file only adds what a menu bar is expected to do:
// one group open at a time, Escape or a click elsewhere closes it, and at phone
// width the whole menu folds behind the "Menu" button (without script it stays
// unfolded).
const header = document.querySelector("header.topbar");
const toggle = header?.querySelector(".menu-toggle");
const menu = document.getElementById("topbar-menu");
const groups = [...document.querySelectorAll("header.topbar details.menu")];

if (header && toggle && menu) {
  header.classList.add("js-menu");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  });
}

for (const group of groups) {
  group.addEventListener("toggle", () => {
    if (!group.open) return;
    for (const other of groups) if (other !== group) other.open = false;
  });
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = groups.find((group) => group.open);
  if (open) {
    open.open = false;
    open.querySelector("summary").focus();
  }
});

document.addEventListener("click", (event) => {
  for (const group of groups) if (group.open && !group.contains(event.target)) group.open = false;
});
