// The flow canvas core, for the canvas page and the editor: pan, zoom, level of detail, minimap,
// find, keyboard, selection, and on the canvas page the inspector, outline and trace in step.
// Pan and zoom are one CSS transform on #flow-world (a composited layer while it moves): no
// per-device work per frame. The editor builds on window.flowCanvas (see the end of this file).
(function () {
  "use strict";
  const root = document.getElementById("flow");
  const stage = document.getElementById("flow-canvas");
  const world = document.getElementById("flow-world");
  const svg = stage && stage.querySelector("svg.canvas");
  if (!root || !svg || !world) return;
  const status = document.getElementById("flow-status");
  const width = +svg.getAttribute("width"), height = +svg.getAttribute("height");
  // Chromium makes the SVG itself a tab stop; Tab should go from the canvas straight to a card.
  svg.setAttribute("tabindex", "-1");
  stage.classList.add("live");
  // A lit link is drawn twice as thick; its arrowhead, sized by stroke width, must not double.
  const arrow = svg.querySelector("marker#ah");
  if (arrow) {
    const lit = arrow.cloneNode(true);
    lit.id = "ah-on";
    lit.setAttribute("markerWidth", "4");
    lit.setAttribute("markerHeight", "4");
    arrow.after(lit);
  }
  const MIN_K = 0.02, MAX_K = 2.5, READABLE_K = 0.7, FAR_K = 0.4;
  const view = { x: 0, y: 0, k: 1 };
  let selected = null;
  let inspectFrom = null;
  // Once a person has moved the view, a resize must not take it from them.
  let moved = false;
  let frame = 0, settle = 0;

  // One write per animation frame, whatever the number of events.
  function apply() {
    moved = true;
    if (!frame) frame = requestAnimationFrame(paint);
  }
  function paint() {
    frame = 0;
    world.style.transform = `translate(${view.x.toFixed(1)}px,${view.y.toFixed(1)}px) scale(${view.k.toFixed(4)})`;
    // A composited layer while the view moves; dropped when it rests, so the drawing is sharp.
    if (!world.classList.contains("moving")) world.classList.add("moving");
    clearTimeout(settle);
    settle = setTimeout(() => { world.classList.remove("moving"); cull(); }, 180);
    const far = view.k < FAR_K;
    if (far !== stage.classList.contains("far")) stage.classList.toggle("far", far);
    // while zooming, cards coming into view keep their frames only until the view rests: no
    // text is laid out per zoom step
    if (view.k === culledAt) cull();
    drawMinimap();
  }

  // Only the cards near the screen have their text laid out (.on); the others are drawn as their
  // frame, still focusable and named. Far out no card has text, so nothing changes there.
  const BUCKET = 1024;
  const buckets = new Map();
  let shown = new Set();
  let culledAt = 0;
  function bucketKey(bx, by) { return bx * 100003 + by; }
  function place(entry) {
    for (let bx = Math.floor(entry.x / BUCKET); bx <= Math.floor((entry.x + entry.w) / BUCKET); bx++) {
      for (let by = Math.floor(entry.y / BUCKET); by <= Math.floor((entry.y + entry.h) / BUCKET); by++) {
        const key = bucketKey(bx, by);
        if (!buckets.has(key)) buckets.set(key, []);
        buckets.get(key).push(entry);
      }
    }
  }
  function cull() {
    culledAt = view.k;
    if (view.k < FAR_K) return;
    const sw = stage.clientWidth, sh = stage.clientHeight;
    // the screen and half a screen around it, in drawing coordinates
    const x0 = (-view.x - sw / 2) / view.k, y0 = (-view.y - sh / 2) / view.k;
    const x1 = x0 + 2 * sw / view.k, y1 = y0 + 2 * sh / view.k;
    const now = new Set();
    for (let bx = Math.floor(x0 / BUCKET); bx <= Math.floor(x1 / BUCKET); bx++) {
      for (let by = Math.floor(y0 / BUCKET); by <= Math.floor(y1 / BUCKET); by++) {
        const list = buckets.get(bucketKey(bx, by));
        if (!list) continue;
        for (const entry of list) {
          if (entry.x < x1 && entry.x + entry.w > x0 && entry.y < y1 && entry.y + entry.h > y0) now.add(entry);
        }
      }
    }
    for (const entry of shown) if (!now.has(entry)) show(entry, false);
    for (const entry of now) if (!shown.has(entry)) show(entry, true);
    shown = now;
  }
  function show(entry, on) {
    if (entry.node.isConnected) entry.node.classList.toggle("on", on);
    if (entry.links && entry.links.isConnected) entry.links.classList.toggle("on", on);
  }
  function zoomAt(factor, cx, cy) {
    const k = Math.min(MAX_K, Math.max(MIN_K, view.k * factor));
    view.x = cx - (cx - view.x) * (k / view.k);
    view.y = cy - (cy - view.y) * (k / view.k);
    view.k = k;
    apply();
  }
  function frameOn(x0, y0, w, h, most) {
    const sw = stage.clientWidth, sh = stage.clientHeight;
    view.k = Math.min(most, Math.max(MIN_K, Math.min(sw / w, sh / h) * 0.96));
    view.x = (sw - w * view.k) / 2 - x0 * view.k;
    view.y = Math.max(8 - y0 * view.k, (sh - h * view.k) / 2 - y0 * view.k);
    apply();
  }
  function fit() { frameOn(0, 0, width, height, 1); }
  // The flow's entries: the first start's band whole if it can be read so, else at a readable
  // zoom from its left edge, level with the start.
  function entries() {
    const frame = (svg.dataset.frame || "").split(" ").map(Number);
    if (frame.length !== 4 || frame.some(isNaN)) return fit();
    const [x0, y0, w, h] = frame;
    frameOn(x0 - 24, y0 - 48, w + 48, h + 72, 1);
    if (view.k >= READABLE_K) return;
    const first = svg.querySelector("g.device.t-route-start") || svg.querySelector("g.device");
    const [, sy, , sh] = first ? box(first) : [0, y0, 0, 0];
    view.k = READABLE_K;
    view.x = 16 - (x0 - 24) * view.k;
    view.y = Math.min(stage.clientHeight / 3 - (sy + sh / 2) * view.k, 16 - (y0 - 48) * view.k);
    apply();
  }
  function origin(node) {
    const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(node.getAttribute("transform"));
    return m ? [+m[1], +m[2]] : [0, 0];
  }
  function box(node) {
    const [x, y] = origin(node), rect = node.querySelector("rect");
    return [x, y, rect ? +rect.getAttribute("width") : 200, rect ? +rect.getAttribute("height") : 72];
  }
  function fitTo(nodes) {
    if (!nodes.length) return;
    const boxes = nodes.map(box);
    const x0 = Math.min(...boxes.map((b) => b[0])), y0 = Math.min(...boxes.map((b) => b[1]));
    const x1 = Math.max(...boxes.map((b) => b[0] + b[2])), y1 = Math.max(...boxes.map((b) => b[1] + b[3]));
    frameOn(x0 - 40, y0 - 40, x1 - x0 + 200, y1 - y0 + 80, 1);
  }
  function device(id) {
    return svg.querySelector(`g.device[data-device-id="${CSS.escape(id)}"]`);
  }
  function centre(idOrNode) {
    const node = typeof idOrNode === "string" ? device(idOrNode) : idOrNode;
    if (!node) return;
    const [x, y, w, h] = box(node);
    if (view.k < 0.6) view.k = 0.8;
    view.x = stage.clientWidth / 2 - (x + w / 2) * view.k;
    view.y = stage.clientHeight / 2 - (y + h / 2) * view.k;
    apply();
  }
  function visible(node) {
    const [x, y, w, h] = box(node);
    const left = x * view.k + view.x, top = y * view.k + view.y;
    return left >= 0 && top >= 0 && left + w * view.k <= stage.clientWidth && top + h * view.k <= stage.clientHeight;
  }
  function toCanvas(clientX, clientY) {
    const area = stage.getBoundingClientRect();
    return { x: (clientX - area.left - view.x) / view.k, y: (clientY - area.top - view.y) / view.k };
  }
  function showTab(name) {
    const tab = document.getElementById(`tab-${name}`);
    if (!tab) return;
    root.querySelectorAll(".side-tabs [role=tab]").forEach((other) => {
      const on = other === tab;
      other.setAttribute("aria-selected", on);
      const panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    if (name === "outline") document.body.dispatchEvent(new Event("outline-open"));
  }
  // Select a device: mark it, bring it into view, tell listeners (flow:select, cancelable), and
  // unless one cancelled or opts.inspect is false, load its inspector.
  function select(id, opts = {}) {
    const node = device(id);
    if (!node) return;
    if (selected) selected.classList.remove("selected");
    selected = node;
    node.classList.add("selected");
    // its ways out and in stand out from the others
    svg.querySelectorAll("path.link.lit").forEach((link) => link.classList.remove("lit"));
    const quoted = CSS.escape(id);
    svg.querySelectorAll(`path.link[data-from="${quoted}"], path.link[data-to="${quoted}"]`).forEach((link) => link.classList.add("lit"));
    root.querySelectorAll(".ol-dev[aria-current]").forEach((b) => b.removeAttribute("aria-current"));
    root.querySelectorAll(`.ol-dev[data-device-id="${CSS.escape(id)}"]`).forEach((b) => b.setAttribute("aria-current", "true"));
    if (opts.centre || !visible(node)) centre(node);
    if (opts.focus !== false) node.focus({ preventScroll: true });
    const told = root.dispatchEvent(new CustomEvent("flow:select", { bubbles: true, cancelable: true, detail: { id } }));
    if (told && opts.inspect !== false) inspect(id, opts.focus !== false);
  }
  function inspect(id, focusTitle) {
    const template = root.dataset.inspectorUrl;
    if (!template || !window.htmx) return;
    showTab("inspector");
    inspectFrom = focusTitle ? document.activeElement : null;
    // the id goes last (a placeholder could match inside the account id): the editor's URL has
    // DEVICE as its last segment, the canvas's ends in ?id=
    const at = template.lastIndexOf("DEVICE");
    const url = at < 0 ? template + encodeURIComponent(id) : template.slice(0, at) + encodeURIComponent(id) + template.slice(at + 6);
    htmx.ajax("GET", url, { target: "#inspector", swap: "innerHTML" });
  }
  function closeInspector() {
    if (selected) selected.classList.remove("selected");
    const panel = document.getElementById("inspector");
    if (panel && root.dataset.inspectorUrl) {
      panel.innerHTML = '<p class="muted small">Click a device, or Tab to it and press Enter, to see every field.</p>';
      showTab("findings");
    }
    if (selected) selected.focus({ preventScroll: true });
  }

  // Pan by dragging; a click on a card selects it. A drag that starts on a card belongs to
  // flowCanvas.dragHandler when it takes it (returns true): the editor moves cards that way.
  let drag = null;
  stage.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 || e.target.closest(".flow-minimap")) return;
    const node = e.target.closest("g.device");
    const handler = api.dragHandler;
    if (node && typeof handler === "function" && handler(e, node.dataset.deviceId)) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false, node, id: e.pointerId };
  });
  stage.addEventListener("pointermove", (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      stage.classList.add("panning");
      try { stage.setPointerCapture(e.pointerId); } catch (error) { /* a pointer the browser no longer tracks */ }
    }
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    apply();
  });
  function endDrag() {
    if (drag && !drag.moved && drag.node) select(drag.node.dataset.deviceId);
    drag = null;
    stage.classList.remove("panning");
  }
  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", () => { drag = null; stage.classList.remove("panning"); });
  stage.addEventListener("wheel", (e) => {
    e.preventDefault();
    const area = stage.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - area.left, e.clientY - area.top);
  }, { passive: false });

  stage.addEventListener("keydown", (e) => {
    const node = e.target.closest && e.target.closest("g.device");
    const step = 60;
    if ((e.key === "Enter" || e.key === " ") && node) { e.preventDefault(); select(node.dataset.deviceId); return; }
    if (e.key === "Escape") { closeInspector(); return; }
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) { e.preventDefault(); view.x += moves[e.key][0]; view.y += moves[e.key][1]; apply(); return; }
    if (e.key === "+" || e.key === "=") zoomAt(1.2, stage.clientWidth / 2, stage.clientHeight / 2);
    else if (e.key === "-") zoomAt(1 / 1.2, stage.clientWidth / 2, stage.clientHeight / 2);
    else if (e.key === "0") fit();
    else if (e.key === "Home") { e.preventDefault(); entries(); }
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
    else if (how === "entries") entries();
    else zoomAt(how === "in" ? 1.25 : 0.8, stage.clientWidth / 2, stage.clientHeight / 2);
  }));

  // The minimap: every card as a dot of its type's colour, and the part on screen as a frame.
  // Shown only when the flow does not fit the stage; a click or drag on it moves the view there.
  const minimap = document.getElementById("flow-minimap");
  const mapCanvas = minimap && minimap.querySelector("canvas");
  let mapBase = null, mapScale = 1;
  const cards = new Map();
  const colours = new Map();
  function colourOf(node) {
    const look = node.classList[1] || "";
    if (!colours.has(look)) colours.set(look, getComputedStyle(node).getPropertyValue("--c").trim() || "#7b8794");
    return colours.get(look);
  }
  function indexCards(nodes) {
    nodes.forEach((node) => {
      const [x, y, w, h] = box(node);
      const entry = { x, y, w, h, node, colour: colourOf(node),
        links: node.id ? document.getElementById(`links-${node.id.slice(4)}`) : null };
      cards.set(node.dataset.deviceId, entry);
      place(entry);
    });
    mapBase = null;
  }
  function drawMinimap() {
    if (!mapCanvas) return;
    const big = width * view.k > stage.clientWidth * 1.05 || height * view.k > stage.clientHeight * 1.05;
    if (minimap.hidden === big) minimap.hidden = !big;
    if (!big) return;
    const ctx = mapCanvas.getContext("2d");
    if (!mapBase) {
      mapScale = Math.min(200 / width, 150 / height);
      mapCanvas.width = Math.max(40, Math.round(width * mapScale));
      mapCanvas.height = Math.max(30, Math.round(height * mapScale));
      mapBase = document.createElement("canvas");
      mapBase.width = mapCanvas.width;
      mapBase.height = mapCanvas.height;
      const base = mapBase.getContext("2d");
      cards.forEach((c) => {
        base.fillStyle = c.colour;
        base.fillRect(c.x * mapScale, c.y * mapScale, Math.max(1.5, c.w * mapScale), Math.max(1.5, c.h * mapScale));
      });
    }
    ctx.clearRect(0, 0, mapCanvas.width, mapCanvas.height);
    ctx.drawImage(mapBase, 0, 0);
    ctx.strokeStyle = "#1d4ed8";
    ctx.lineWidth = 1.5;
    ctx.strokeRect(-view.x / view.k * mapScale, -view.y / view.k * mapScale,
      stage.clientWidth / view.k * mapScale, stage.clientHeight / view.k * mapScale);
  }
  function mapTo(e) {
    const area = mapCanvas.getBoundingClientRect();
    const x = (e.clientX - area.left) / area.width * mapCanvas.width / mapScale;
    const y = (e.clientY - area.top) / area.height * mapCanvas.height / mapScale;
    view.x = stage.clientWidth / 2 - x * view.k;
    view.y = stage.clientHeight / 2 - y * view.k;
    apply();
  }
  if (minimap) {
    let steering = false;
    minimap.addEventListener("pointerdown", (e) => { e.stopPropagation(); steering = true; minimap.setPointerCapture(e.pointerId); mapTo(e); });
    minimap.addEventListener("pointermove", (e) => { if (steering) mapTo(e); });
    minimap.addEventListener("pointerup", () => { steering = false; });
  }

  // Find by name or extension (the cards' accessible names hold both); the inspector follows.
  const search = document.getElementById("flow-search");
  let found = [], foundAt = -1, lastQuery = "";
  if (search) search.form.addEventListener("submit", (e) => {
    e.preventDefault(); // finding is done here, never by sending the form
    const query = search.value.trim().toLowerCase();
    if (!query) return;
    if (!api.whole && svg.dataset.rest) {
      // the rest of a big drawing is on its way: find in the whole of it
      status.textContent = "Loading the rest of the flow…";
      root.addEventListener("flow:whole", () => search.form.requestSubmit(), { once: true });
      return;
    }
    if (query !== lastQuery) {
      found = Array.from(svg.querySelectorAll("g.device")).filter((g) => g.getAttribute("aria-label").toLowerCase().includes(query));
      foundAt = -1;
      lastQuery = query;
    }
    if (!found.length) { status.textContent = `Nothing matches “${search.value.trim()}”.`; return; }
    foundAt = (foundAt + 1) % found.length;
    const node = found[foundAt];
    select(node.dataset.deviceId, { centre: true, focus: false });
    status.textContent = `${foundAt + 1} of ${found.length}: ${node.getAttribute("aria-label")}`;
  });

  // Side panels: tabs, and every list entry that names a device selects it.
  root.querySelectorAll(".side-tabs [role=tab]").forEach((tab) => tab.addEventListener("click", () => showTab(tab.id.slice(4))));
  root.addEventListener("click", (e) => {
    const go = e.target.closest(".finding-go[data-device-id], .ol-dev, .trace-go, .link-go");
    if (!go) return;
    const keepPanel = go.matches(".ol-dev, .trace-go");
    select(go.dataset.deviceId, { centre: true, focus: false, inspect: !keepPanel });
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
      const links = Array.from(svg.querySelectorAll(`path.link[data-from="${CSS.escape(from)}"]`));
      const labels = (device(from) || svg).querySelectorAll("text.pl");
      links.forEach((link, slot) => {
        const own = link.getAttribute("data-path");
        if (own ? own !== path : link.dataset.port !== port) return;
        link.classList.add("on-path");
        link.parentNode.classList.add("on-path");
        if (labels[slot]) labels[slot].classList.add("on-path");
        const next = link.nextElementSibling;
        if (next && next.matches("g.terminal, g.missing")) next.classList.add("on-path");
      });
    });
    fitTo(Array.from(svg.querySelectorAll("g.device.on-path")));
  }
  document.body.addEventListener("htmx:afterSettle", (e) => {
    if (e.detail.target && e.detail.target.id === "trace-result") showTrace();
    if (e.detail.target && e.detail.target.id === "inspector") {
      // Focus follows the inspector only if the person has not moved on meanwhile.
      const title = document.getElementById("inspector-title");
      if (title && inspectFrom && document.activeElement === inspectFrom) title.focus({ preventScroll: true });
    }
  });

  // Start on the entries: the whole flow if it can be read whole, else its first start's band.
  function initialView() {
    fit();
    if (view.k < READABLE_K) entries();
    // the first frame already has its text
    cull();
    moved = false;
  }

  // The editor swaps cards and links in (HTMX out-of-band): re-read what it names.
  function refresh(ids) {
    const present = [];
    (ids || []).forEach((id) => {
      const old = cards.get(id);
      if (old) {
        buckets.forEach((list) => { const at = list.indexOf(old); if (at >= 0) list.splice(at, 1); });
        shown.delete(old);
        cards.delete(id);
      }
      const node = device(id);
      if (node) present.push(node);
    });
    indexCards(present);
    // a links group swapped in anew for a device whose card stayed
    shown.forEach((entry) => {
      const links = document.getElementById(`links-${entry.node.id.slice(4)}`);
      if (links !== entry.links) { entry.links = links; show(entry, true); }
    });
    cull();
    if (selected && !selected.isConnected) {
      const again = device(selected.dataset.deviceId);
      selected = again;
      if (again) again.classList.add("selected");
    }
    drawMinimap();
  }

  // A big drawing comes in two parts (flows/drawings.py): the page carries what the canvas can
  // show when it opens; the rest is fetched at once and added a slice per frame after the first
  // paint, so the view answers meanwhile. Until it is in, Find and Fit see the first part only.
  const REST_SLICE = 150;
  function loadRest(url) {
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((answer) => {
        if (!answer.ok) throw new Error(answer.status === 410 ? "changed" : "failed");
        return answer.text();
      })
      .then((text) => {
        const holder = document.createElement("template");
        holder.innerHTML = text; // inside its <svg>, so parsed as SVG
        const part = holder.content.querySelector("svg");
        const groups = Array.from(part.querySelector("[data-layer=links]").children);
        const nodes = Array.from(part.querySelector("[data-layer=cards]").children);
        const linkLayer = svg.querySelector("#links"), cardLayer = svg.querySelector("#cards");
        let at = 0;
        const slice = () => {
          const until = Math.min(nodes.length, at + REST_SLICE);
          // one links group per card, in the same order
          linkLayer.append(...groups.slice(at, until));
          const added = nodes.slice(at, until);
          cardLayer.append(...added);
          indexCards(added);
          at = until;
          if (at < nodes.length) return requestAnimationFrame(slice);
          svg.removeAttribute("data-rest");
          api.whole = true;
          cull();
          drawMinimap();
          showTrace();
          root.dispatchEvent(new CustomEvent("flow:whole", { bubbles: true }));
        };
        requestAnimationFrame(slice);
      })
      .catch((error) => {
        svg.removeAttribute("data-rest"); // what is here is all there will be: Find works on it
        status.textContent = error.message === "changed"
          ? "This flow has changed since the page was loaded: reload the page to see all of it."
          : "Part of this flow could not be loaded: reload the page to see all of it.";
        status.classList.add("warn");
      });
  }

  const api = {
    whole: !svg.dataset.rest,
    select, centre, device, toCanvas, refresh, fit, entries,
    get view() { return { x: view.x, y: view.y, k: view.k }; },
    setView(next) { Object.assign(view, next); apply(); },
    dragHandler: null,
    stage, svg,
  };
  window.flowCanvas = api;

  if (svg.dataset.rest) loadRest(svg.dataset.rest);
  indexCards(Array.from(svg.querySelectorAll("g.device")));
  showTab(document.querySelector("#trace-result .trace-result") ? "trace" : "findings");
  initialView();
  showTrace();
  new ResizeObserver(() => { if (!moved) initialView(); }).observe(stage);
})();
