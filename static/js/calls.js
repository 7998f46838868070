// Call builder: after HTMX swaps a section, put focus where the server says the user is now
// (the moved step's arrow, the new step's first field), so keyboard users keep their place.
(() => {
  const field = "textarea, input:not([type=hidden]), select";
  document.addEventListener("htmx:afterSettle", () => {
    const section = document.querySelector("[data-focus]");
    if (!section) return;
    const target = document.getElementById(section.dataset.focus);
    delete section.dataset.focus;
    if (!target) return;
    const into = target.matches(field + ", button") ? target : target.querySelector(field);
    (into || target).focus();
  });
})();
