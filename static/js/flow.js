// The flow canvas: pan, zoom, fit, find, keyboard, selection, inspector, outline and trace in
// step. Pan and zoom move one transform on #viewport: no per-device work.
(function () {
  "use strict";
  const root = document.getElementById("flow");
  const stage = document.getElementById("flow-canvas");
  const svg = stage && stage.querySelector("svg.canvas");
  if (!root || !svg) return;
  const viewport = svg.querySelector("#viewport");
  const status = document.getElementById("flow-status");
  const width = +svg.getAttribute("width"), height = +svg.getAttribute("height");
  // The SVG fills the stage; our own transform does the scaling from here on.
  svg.removeAttribute("viewBox");
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  // Chromium makes the SVG itself a tab stop; Tab should go from the canvas straight to a card.
  svg.setAttribute("tabindex", "-1");
  // Every link under every card: drawn after a card, a link would cross its text.
  const under = document.createDocumentFragment();
  viewport.querySelectorAll(":scope > g.out").forEach((group) => under.appendChild(group));
  viewport.prepend(under);
  // A lit link is drawn twice as thick; its arrowhead, sized by stroke width, must not double.
  const arrow = svg.querySelector("marker#ah");
  if (arrow) {
    const lit = arrow.cloneNode(true);
    lit.id = "ah-on";
    lit.setAttribute("markerWidth", "4");
    lit.setAttribute("markerHeight", "4");
    arrow.after(lit);
  }
  let view = { x: 0, y: 0, k: 1 };
  let selected = null;
  let inspectFrom = null;
  // Once a person has moved the view, a resize must not take it from them.
  let moved = false;

  function apply() {
    moved = true;
    viewport.setAttribute("transform", `translate(${view.x.toFixed(1)},${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`);
  }
  function zoomAt(factor, cx, cy) {
    const k = Math.min(2.5, Math.max(0.05, view.k * factor));
    view.x = cx - (cx - view.x) * (k / view.k);
    view.y = cy - (cy - view.y) * (k / view.k);
    view.k = k;
    apply();
  }
  function fit() {
    const w = stage.clientWidth, h = stage.clientHeight;
    view.k = Math.min(1, Math.max(0.05, Math.min(w / width, h / height) * 0.96));
    view.x = (w - width * view.k) / 2;
    view.y = Math.max(8, (h - height * view.k) / 2);
    apply();
  }
  function origin(node) {
    const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(node.getAttribute("transform"));
    return m ? [+m[1], +m[2]] : [0, 0];
  }
  function fitTo(nodes) {
    if (!nodes.length) return;
    const xs = nodes.map((n) => origin(n)[0]), ys = nodes.map((n) => origin(n)[1]);
    const x0 = Math.min(...xs), y0 = Math.min(...ys), w = Math.max(...xs) - x0 + 360, h = Math.max(...ys) - y0 + 110;
    view.k = Math.min(1, Math.max(0.05, Math.min(stage.clientWidth / w, stage.clientHeight / h)));
    view.x = (stage.clientWidth - w * view.k) / 2 - (x0 - 20) * view.k;
    view.y = (stage.clientHeight - h * view.k) / 2 - (y0 - 20) * view.k;
    apply();
  }
  function device(id) {
    return svg.querySelector(`g.device[data-device-id="${CSS.escape(id)}"]`);
  }
  function centre(node) {
    const [x, y] = origin(node);
    if (view.k < 0.6) view.k = 0.8;
    view.x = stage.clientWidth / 2 - (x + 100) * view.k;
    view.y = stage.clientHeight / 2 - (y + 36) * view.k;
    apply();
  }
  function visible(node) {
    const box = node.getBoundingClientRect(), area = stage.getBoundingClientRect();
    return box.left >= area.left && box.right <= area.right && box.top >= area.top && box.bottom <= area.bottom;
  }
  function showTab(name) {
    root.querySelectorAll(".side-tabs [role=tab]").forEach((tab) => {
      const on = tab.id === `tab-${name}`;
      tab.setAttribute("aria-selected", on);
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    });
    if (name === "outline") document.body.dispatchEvent(new Event("outline-open"));
  }
  function select(id, opts = {}) {
    const node = device(id);
    if (!node) return;
    if (selected) selected.classList.remove("selected");
    selected = node;
    node.classList.add("selected");
    root.querySelectorAll(".ol-dev[aria-current]").forEach((b) => b.removeAttribute("aria-current"));
    root.querySelectorAll(`.ol-dev[data-device-id="${CSS.escape(id)}"]`).forEach((b) => b.setAttribute("aria-current", "true"));
    if (opts.centre || !visible(node)) centre(node);
    if (opts.focus !== false) node.focus({ preventScroll: true });
    if (opts.inspect !== false) inspect(id);
  }
  function inspect(id) {
    // the id goes last: a placeholder replaced in the URL could match inside the account id
    const url = root.dataset.inspectorUrl + encodeURIComponent(id);
    showTab("inspector");
    inspectFrom = document.activeElement;
    htmx.ajax("GET", url, { target: "#inspector", swap: "innerHTML" });
  }
  function closeInspector() {
    if (selected) selected.classList.remove("selected");
    document.getElementById("inspector").innerHTML = '<p class="muted small">Click a device, or Tab to it and press Enter, to see every field.</p>';
    showTab("findings");
    if (selected) selected.focus({ preventScroll: true });
  }

  // Pan by dragging the background; a click on a card selects it.
  let drag = null;
  stage.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false, target: e.target };
    stage.setPointerCapture(e.pointerId);
  });
  stage.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    stage.classList.add("panning");
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    apply();
  });
  stage.addEventListener("pointerup", () => {
    if (drag && !drag.moved) {
      const node = drag.target.closest && drag.target.closest("g.device");
      if (node) select(node.dataset.deviceId);
    }
    drag = null;
    stage.classList.remove("panning");
  });
  stage.addEventListener("wheel", (e) => {
    e.preventDefault();
    const area = stage.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - area.left, e.clientY - area.top);
  }, { passive: false });

  stage.addEventListener("keydown", (e) => {
    const node = e.target.closest && e.target.closest("g.device");
    const step = 60;
    if ((e.key === "Enter" || e.key === " ") && node) { e.preventDefault(); select(node.dataset.deviceId, { focus: false }); return; }
    if (e.key === "Escape") { closeInspector(); return; }
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) { e.preventDefault(); view.x += moves[e.key][0]; view.y += moves[e.key][1]; apply(); return; }
    if (e.key === "+" || e.key === "=") zoomAt(1.2, stage.clientWidth / 2, stage.clientHeight / 2);
    else if (e.key === "-") zoomAt(1 / 1.2, stage.clientWidth / 2, stage.clientHeight / 2);
    else if (e.key === "0") fit();
  });
  // Tabbing to a card off screen brings it into view.
  svg.addEventListener("focusin", (e) => {
    const node = e.target.closest("g.device");
    if (node && !visible(node)) centre(node);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && root.contains(document.activeElement) && !stage.contains(document.activeElement)) closeInspector();
  });

  root.querySelectorAll("[data-zoom]").forEach((button) => button.addEventListener("click", () => {
    const how = button.dataset.zoom;
    if (how === "fit") fit();
    else zoomAt(how === "in" ? 1.25 : 0.8, stage.clientWidth / 2, stage.clientHeight / 2);
  }));

  // Find by name or extension (the cards' accessible names hold both).
  const search = document.getElementById("flow-search");
  let found = [], foundAt = -1, lastQuery = "";
  search.form.addEventListener("submit", (e) => {
    e.preventDefault(); // finding is done here, never by sending the form
    const query = search.value.trim().toLowerCase();
    if (!query) return;
    if (query !== lastQuery) {
      found = Array.from(svg.querySelectorAll("g.device")).filter((g) => g.getAttribute("aria-label").toLowerCase().includes(query));
      foundAt = -1;
      lastQuery = query;
    }
    if (!found.length) { status.textContent = `Nothing matches “${search.value.trim()}”.`; return; }
    foundAt = (foundAt + 1) % found.length;
    select(found[foundAt].dataset.deviceId, { centre: true, focus: false, inspect: false });
    status.textContent = `${foundAt + 1} of ${found.length}: ${found[foundAt].getAttribute("aria-label")}`;
  });

  // Side panels: tabs, and every list entry that names a device selects it.
  root.querySelectorAll(".side-tabs [role=tab]").forEach((tab) => tab.addEventListener("click", () => showTab(tab.id.slice(4))));
  root.addEventListener("click", (e) => {
    const go = e.target.closest(".finding-go[data-device-id], .ol-dev, .trace-go, .link-go");
    if (!go) return;
    const id = go.dataset.deviceId;
    const keepPanel = go.matches(".ol-dev, .trace-go");
    select(id, { centre: true, focus: false, inspect: !keepPanel });
  });

  // A traced call lights its path; everything else fades.
  function showTrace() {
    svg.querySelectorAll(".on-path").forEach((el) => el.classList.remove("on-path"));
    const result = document.querySelector("#trace-result .trace-result");
    svg.classList.toggle("tracing", !!result);
    if (!result) return;
    // JSON lists: device ids may hold spaces, "|" or anything else an upstream allows
    JSON.parse(result.dataset.devices).forEach((id) => { const node = device(id); if (node) node.classList.add("on-path"); });
    JSON.parse(result.dataset.links).forEach(([from, path]) => {
      const port = path.slice(path.lastIndexOf(".") + 1);
      svg.querySelectorAll(`path.link[data-from="${CSS.escape(from)}"]`).forEach((link) => {
        const own = link.getAttribute("data-path");
        if (own ? own === path : link.dataset.port === port) {
          link.classList.add("on-path");
          link.parentNode.classList.add("on-path");
          // its label, and the terminal it ends at, follow it in the markup
          let next = link.nextElementSibling;
          if (next && next.matches("text.pl")) { next.classList.add("on-path"); next = next.nextElementSibling; }
          if (next && next.matches("g.terminal, g.missing")) next.classList.add("on-path");
        }
      });
    });
    fitTo(Array.from(svg.querySelectorAll("g.device.on-path")));
  }
  document.body.addEventListener("htmx:afterSettle", (e) => {
    if (e.detail.target && e.detail.target.id === "trace-result") showTrace();
    if (e.detail.target && e.detail.target.id === "inspector") {
      // Focus follows the inspector only if the person has not moved on meanwhile.
      const title = document.getElementById("inspector-title");
      if (title && document.activeElement === inspectFrom) title.focus({ preventScroll: true });
    }
  });

  // Start where a person starts reading: the whole flow if it is legible, else its first start,
  // with the cards beside and above it that fit on the screen.
  function initialView() {
    fit();
    if (view.k < 0.55) {
      const first = svg.querySelector("g.t-route-start") || svg.querySelector("g.device");
      view.k = 0.7;
      view.x = 16;
      view.y = 16;
      if (first) {
        const [x, y] = origin(first);
        // cards up to a screen to the right and a third of a screen higher: the start stays near the top
        const right = x + stage.clientWidth / view.k, ceiling = y - stage.clientHeight / view.k / 3;
        let top = y;
        svg.querySelectorAll("g.device").forEach((node) => {
          const [nx, ny] = origin(node);
          if (nx >= x && nx < right && ny < top && ny >= ceiling) top = ny;
        });
        view.x = 16 - x * view.k;
        // room above the top card for a link that loops over it
        view.y = 16 - (top - 40) * view.k;
      }
      apply();
    }
    moved = false;
  }
  showTab(document.querySelector("#trace-result .trace-result") ? "trace" : "findings");
  initialView();
  showTrace();
  new ResizeObserver(() => { if (!moved) initialView(); }).observe(stage);
})();
