// Small page behaviours shared by every page; no framework.
document.addEventListener("htmx:responseError", (event) => {
  // A failed HTMX request whose answer was not retargeted still says something.
  const flash = document.getElementById("flash");
  if (flash && !event.detail.xhr.getResponseHeader("HX-Retarget")) {
    flash.innerHTML = '<div class="flash error" role="alert">The request failed (' +
      event.detail.xhr.status + "). Try again.</div>";
  }
});
document.addEventListener("htmx:sendError", () => {
  const flash = document.getElementById("flash");
  if (flash) flash.innerHTML = '<div class="flash error" role="alert">The dashboard could not be reached. Check your connection and try again.</div>';
});
