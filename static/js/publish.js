// While a publish runs, the page waiting for it shows each call as it is made: the publishing
// request records its progress in the revision, which this polls until the answer arrives.
document.addEventListener("submit", (event) => {
  const form = event.target.closest(".publish-form, .publish-again");
  const live = document.getElementById("publish-live");
  if (!form || !live) return;
  live.hidden = false;
  form.querySelectorAll("button[type=submit]").forEach((button) => {
    button.disabled = true;
    button.textContent = "Publishing…";
  });
  const poll = async () => {
    try {
      const response = await fetch(live.dataset.progressUrl, { headers: { "HX-Request": "true" } });
      if (response.ok) live.innerHTML = await response.text();
    } catch (error) {
      // the answer to the publish itself will say what happened
    }
    setTimeout(poll, 500);
  };
  setTimeout(poll, 200);
});
