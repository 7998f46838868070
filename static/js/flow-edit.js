// The flow editor on top of the canvas: drag a card to move it, drag from a port handle onto a
// card to connect, arrow keys move the focused card, Delete deletes it, Ctrl+Z / Ctrl+Shift+Z.
// Every change is one POST to the editing URLs; their answers swap in only what changed.
(function () {
  "use strict";
  const root = document.getElementById("flow");
  const stage = document.getElementById("flow-canvas");
  if (!root || !stage || !root.classList.contains("editing")) return;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const CARD_W = 200, CARD_H = 72, STEP = 24;
  const svg = () => stage.querySelector("svg.canvas");
  const layer = (name) => stage.querySelector(`svg.canvas #${name}`);

  // DEVICE is the last segment of each URL (an account id could hold those letters too)
  function url(name, id) {
    const template = root.dataset[name], at = template.lastIndexOf("DEVICE");
    return template.slice(0, at) + encodeURIComponent(id) + template.slice(at + 6);
  }
  function post(path, values, source) {
    return htmx.ajax("POST", path, { values: values || {}, source: source || root, swap: "none" });
  }
  function card(id) {
    const s = svg();
    return s && s.querySelector(`g.device[data-device-id="${CSS.escape(id)}"]`);
  }
  function origin(node) {
    const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(node.getAttribute("transform") || "");
    return m ? [+m[1], +m[2]] : [0, 0];
  }
  // A point of the screen on the canvas, whatever the zoom and pan.
  function local(clientX, clientY) {
    return canvasApi().toCanvas(clientX, clientY);
  }
  function canvasApi() { return window.flowCanvas || null; }
  function select(id) {
    const api = canvasApi();
    if (api) api.select(id);
  }
  function inspected() {
    const article = document.querySelector("#inspector [data-device-id]");
    return article ? article.dataset.deviceId : "";
  }

  // Moving a card: its own transform (and its links' group) follows the pointer each frame;
  // the position is sent once, when the card is let go.
  function place(node, x, y) {
    node.setAttribute("transform", `translate(${Math.round(x)},${Math.round(y)})`);
  }
  function sendMove(node) {
    const [x, y] = origin(node);
    node.classList.add("saving");
    post(url("moveUrl", node.dataset.deviceId), { x: Math.round(x), y: Math.round(y) });
  }

  let drag = null;
  let connecting = null;
  // The canvas hands us drags that start on a card (flowCanvas.dragHandler): a port handle
  // starts a connection, anywhere else on the card a move.
  function takeDrag(e, id) {
    const handle = e.target.closest(".port-handle");
    if (handle) { startConnect(e, handle); return true; }
    const node = card(id);
    if (!node) return false;
    e.preventDefault();
    const p = local(e.clientX, e.clientY);
    const [x, y] = origin(node);
    drag = { node, px: p.x, py: p.y, x, y, cx: e.clientX, cy: e.clientY, moved: false, frame: 0, to: null };
    stage.setPointerCapture(e.pointerId);
    return true;
  }
  if (canvasApi()) canvasApi().dragHandler = takeDrag;
  window.addEventListener("pointermove", (e) => {
    if (connecting) { moveConnect(e); return; }
    if (!drag) return;
    if (!drag.moved && Math.abs(e.clientX - drag.cx) + Math.abs(e.clientY - drag.cy) < 4) return;
    if (!drag.moved) { drag.moved = true; drag.node.classList.add("dragging"); }
    const p = local(e.clientX, e.clientY);
    drag.to = [Math.max(0, drag.x + p.x - drag.px), Math.max(0, drag.y + p.y - drag.py)];
    if (!drag.frame) {
      drag.frame = requestAnimationFrame(() => {
        if (!drag) return;
        drag.frame = 0;
        place(drag.node, drag.to[0], drag.to[1]);
      });
    }
  });
  window.addEventListener("pointerup", (e) => {
    if (connecting) { endConnect(e); return; }
    if (!drag) return;
    const done = drag;
    drag = null;
    if (done.frame) cancelAnimationFrame(done.frame);
    done.node.classList.remove("dragging");
    if (!done.moved) { select(done.node.dataset.deviceId); return; }
    place(done.node, done.to[0], done.to[1]);
    sendMove(done.node);
  });

  // Port handles: one per link field of the inspected device, where its link leaves the card.
  // Port handles on the inspected card, where each of its links leaves it; a link's field is
  // named by its data-path, or by the inspector's picker of that port.
  function drawHandles() {
    const s = svg();
    if (!s) return;
    s.querySelectorAll(".port-handle").forEach((h) => h.remove());
    const id = inspected();
    const node = id && card(id);
    if (!node) return;
    const [cx, cy] = origin(node);
    const selects = Array.from(document.querySelectorAll("#inspector select[data-port]"));
    s.querySelectorAll(`path.link[data-from="${CSS.escape(id)}"]`).forEach((link) => {
      const own = link.getAttribute("data-path");
      const key = link.dataset.port;
      const select = own ? selects.find((sel) => sel.name === own)
        : selects.find((sel) => !sel.name.includes("[") && (sel.name === key || sel.name.endsWith(`.${key}`)));
      const m = /^M\s*([-\d.]+)[ ,]([-\d.]+)/.exec(link.getAttribute("d") || "");
      if (!select || !m) return;
      const handle = document.createElementNS(SVG_NS, "circle");
      handle.setAttribute("class", "port-handle");
      handle.setAttribute("cx", +m[1] - cx);
      handle.setAttribute("cy", +m[2] - cy);
      handle.setAttribute("r", "7");
      handle.dataset.from = id;
      handle.dataset.port = select.name;
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = `Drag onto a card to connect “${select.labels[0] ? select.labels[0].textContent.trim() : select.name}”`;
      handle.appendChild(title);
      node.appendChild(handle);
    });
  }
  function startConnect(e, handle) {
    e.stopPropagation();
    e.preventDefault();
    const line = document.createElementNS(SVG_NS, "path");
    line.setAttribute("class", "connecting");
    layer("cards").appendChild(line);
    const [x, y] = origin(handle.parentNode);
    connecting = { handle, line, x: x + +handle.getAttribute("cx"), y: y + +handle.getAttribute("cy"), over: null };
    stage.setPointerCapture(e.pointerId);
  }
  function dropTarget(e) {
    const hit = document.elementFromPoint(e.clientX, e.clientY);
    return hit && (hit.closest("g.device") || hit.closest("g.terminal"));
  }
  function moveConnect(e) {
    const p = local(e.clientX, e.clientY);
    connecting.line.setAttribute("d", `M${connecting.x} ${connecting.y}L${p.x.toFixed(1)} ${p.y.toFixed(1)}`);
    const over = dropTarget(e);
    if (over !== connecting.over) {
      if (connecting.over) connecting.over.classList.remove("drop-target");
      if (over) over.classList.add("drop-target");
      connecting.over = over;
    }
  }
  function endConnect(e) {
    const done = connecting;
    connecting = null;
    done.line.remove();
    if (done.over) done.over.classList.remove("drop-target");
    const over = dropTarget(e);
    if (!over) return;
    const to = over.dataset.deviceId || over.dataset.terminal;
    post(root.dataset.connectUrl, { from: done.handle.dataset.from, port: done.handle.dataset.port, to });
  }

  // Keyboard: arrows move the focused card, Delete deletes it, Ctrl+Z / Ctrl+Shift+Z anywhere
  // but in a text field (where they undo typing).
  let pending = null;
  document.addEventListener("keydown", (e) => {
    const typing = e.target.closest && e.target.closest("input, textarea, select, [contenteditable]");
    const key = e.key.toLowerCase();
    if ((e.ctrlKey || e.metaKey) && (key === "z" || key === "y") && !e.altKey) {
      if (typing) return;
      e.preventDefault();
      const forward = key === "y" || e.shiftKey;
      post(root.dataset[forward ? "redoUrl" : "undoUrl"]);
      return;
    }
    const node = e.target.closest && e.target.closest("g.device");
    if (!node || !stage.contains(node) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      e.stopPropagation();
      post(url("deleteUrl", node.dataset.deviceId));
      return;
    }
    const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (!steps) return;
    e.preventDefault();
    e.stopPropagation();
    const step = e.shiftKey ? STEP * 4 : STEP;
    const [x, y] = origin(node);
    place(node, Math.max(0, x + steps[0] * step), Math.max(0, y + steps[1] * step));
    // a run of key presses is one move, sent when the keys rest
    if (pending && pending.node !== node) { clearTimeout(pending.timer); sendMove(pending.node); }
    if (pending) clearTimeout(pending.timer);
    pending = { node, timer: setTimeout(() => { pending = null; sendMove(node); }, 400) };
  }, true);

  // Answers: swap in the cards and links that changed, keep the inspector in step.
  document.body.addEventListener("flow:changed", (e) => {
    const detail = e.detail || {};
    const ids = detail.ids || [];
    (detail.gone || []).forEach((domId) => { const old = document.getElementById(domId); if (old) old.remove(); });
    const patch = document.getElementById("flow-patch");
    if (patch) applyPatch(patch);
    const api = canvasApi();
    if (api && api.refresh) api.refresh(ids);
    const shown = inspected();
    const ownForm = e.target && e.target.closest && e.target.closest("#inspector .device-form");
    if (detail.select) {
      select(detail.select);
    } else if (shown && !card(shown)) {
      document.getElementById("inspector").innerHTML = '<p class="muted small">That device is no longer in the draft.</p>';
    } else if (shown && ids.includes(shown) && !ownForm) {
      htmx.ajax("GET", url("inspectorUrl", shown), { target: "#inspector", swap: "innerHTML" });
    }
    drawHandles();
  });
  // Each card and links group of the answer replaces its namesake, or joins its layer.
  function applyPatch(patch) {
    const holder = patch.querySelector("svg");
    if (holder) {
      Array.from(holder.children).forEach((node) => {
        const old = node.id && svg().querySelector(`#${CSS.escape(node.id)}`);
        if (old) { old.replaceWith(node); return; }
        const into = layer(node.matches("g.device") ? "cards" : "links");
        if (into) into.appendChild(node);
      });
    }
    patch.remove();
  }
  document.body.addEventListener("htmx:afterSettle", (e) => {
    if (e.detail.target && e.detail.target.id === "inspector") drawHandles();
  });

  // Plain forms: ask before discarding; the palette drops a new card mid-view.
  document.querySelectorAll("[data-confirm]").forEach((button) => button.form.addEventListener("submit", (e) => {
    if (!window.confirm(button.dataset.confirm)) e.preventDefault();
  }));
  const search = document.getElementById("flow-search");
  if (search) search.form.addEventListener("submit", (e) => e.preventDefault());
  const palette = document.querySelector("form.palette");
  if (palette) palette.addEventListener("submit", () => {
    if (!canvasApi()) return;
    const area = stage.getBoundingClientRect();
    const p = local(area.left + area.width / 2, area.top + area.height / 2);
    palette.querySelector("[data-drop=x]").value = Math.max(0, Math.round(p.x - CARD_W / 2));
    palette.querySelector("[data-drop=y]").value = Math.max(0, Math.round(p.y - CARD_H / 2));
  }, true);
  const first = root.dataset.selected;
  if (first && card(first)) requestAnimationFrame(() => select(first));
  drawHandles();
})();
