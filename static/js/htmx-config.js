// htmx settings shared by every page: swap 4xx answers too, because Regie's
// error fragments are meant to be shown (a 400 carries the message to read).
function configure() {
  if (!window.htmx) return false;
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];
  window.htmx.config.historyCacheSize = 0;
  return true;
}

if (!configure()) {
  document.addEventListener("DOMContentLoaded", configure, { once: true });
}

document.addEventListener("htmx:responseError", (event) => {
  const status = document.getElementById("status");
  if (status) {
    status.textContent = document.documentElement.lang === "nl"
      ? "Er ging iets mis op de server; probeer het opnieuw."
      : "Something went wrong on the server; please try again.";
  }
});
document.addEventListener("htmx:sendError", () => {
  const status = document.getElementById("status");
  if (status) {
    status.textContent = document.documentElement.lang === "nl"
      ? "Geen verbinding met de server; er is niets opgeslagen."
      : "No connection to the server; nothing was saved.";
  }
});
