// The replay page's script: tinygrad_edu/viz/replay.py puts it in the page, whose
// Content-Security-Policy allows this script only, by its hash. It reads the frames from the
// JSON in #replay-data and steps through them on the SVG that Graphviz drew. It runs in any
// browser, from disk and offline: no modules, no requests. (Never write a closing script tag
// here, not even in a comment: it would end the page's script.)
//
// The value being worked on stays in view: the graph's box is never taller than the window
// leaves room for (below the buttons and the line), it scrolls both ways, and each step
// scrolls it to the value; in a frame, the page around it is asked to scroll the frame into
// view ("replay-active"), and tells the height of its window ("replay-viewport").
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("replay-data").textContent);
  var frames = data.frames, last = frames.length - 1;
  var svg = document.querySelector("#graph svg");
  var line = document.getElementById("line"), status = document.getElementById("status");
  var tables = document.getElementById("tables");
  var buttons = {};
  ["reset", "back", "next", "play", "fit"].forEach(function (id) {
    buttons[id] = document.getElementById(id);
  });

  // Graphviz gives every node and edge a <g> whose <title> is its DOT name: "n3",
  // "n3op" (the op that computed n3), "n0->n3op" (an arrow from n0 into that op).
  var groups = {};
  svg.querySelectorAll("g.node, g.edge").forEach(function (g) {
    var title = g.querySelector("title");
    if (title) (groups[title.textContent] = groups[title.textContent] || []).push(g);
  });
  function all(name) { return groups[name] || []; }
  function lastText(g, prefix) {
    var texts = g.querySelectorAll("text");
    for (var i = texts.length - 1; i >= 0; i--) {
      if (texts[i].textContent.indexOf(prefix) === 0) return texts[i];
    }
    return null;
  }
  var boxes = data.nodes.map(function (node, i) {
    var g = all("n" + i)[0];
    var into = [];
    Object.keys(groups).forEach(function (name) {
      if (name.slice(-("->n" + i + "op").length) === "->n" + i + "op") {
        into = into.concat(groups[name]);
      }
    });
    return {g: g, value: lastText(g, "data "), grad: lastText(g, "grad "),
            op: all("n" + i + "op").concat(all("n" + i + "op->n" + i), into)};
  });

  function stateAt(k) {
    var values = data.nodes.map(function (node) { return node.known ? node.data : null; });
    var grads = data.nodes.map(function () { return null; });
    for (var j = 1; j <= k; j++) {
      var f = frames[j];
      if (f.kind === "forward") values[f.node] = data.nodes[f.node].data;
      if (f.kind === "backward") {
        grads[f.node] = f.grad;
        f.updates.forEach(function (u) { grads[u[0]] = u[2]; });
      }
    }
    return {values: values, grads: grads};
  }

  function mark(elements, name) {
    elements.forEach(function (el) { if (el) el.classList.add(name); });
  }

  // Every arrow into an op has a label, laid out by Graphviz with room for the largest
  // amount it carries; it shows only while its step is on screen.
  var flows = Array.prototype.slice.call(svg.querySelectorAll("g.edge text"));

  var current = 0, timer = null;
  function show(k, reveal) {
    current = Math.max(0, Math.min(k, last));
    var state = stateAt(current), f = frames[current];
    svg.querySelectorAll(".hot, .warm, .fwd").forEach(function (el) {
      el.classList.remove("hot", "warm", "fwd");
    });
    flows.forEach(function (el) { el.textContent = ""; });
    boxes.forEach(function (box, i) {
      var value = state.values[i], grad = state.grads[i];
      if (box.value) box.value.textContent = "data " + (value === null ? "?" : value);
      if (box.grad) box.grad.textContent = "grad " + (grad === null ? "?" : grad);
      [box.g].concat(box.op).forEach(function (el) {
        el.classList.toggle("pending", value === null);
      });
    });
    if (f.kind === "forward") {
      mark([boxes[f.node].g].concat(boxes[f.node].op), "fwd");
    } else if (f.kind === "backward") {
      mark([boxes[f.node].g].concat(boxes[f.node].op), "hot");
      var seen = {};
      f.updates.forEach(function (u) {
        // an arrow from the parent, or from a copy of its name beside the op ("n1atn7")
        var parent = u[0], copy = "n" + parent + "atn" + f.node;
        var edges = all("n" + parent + "->n" + f.node + "op").concat(
          all(copy + "->n" + f.node + "op"));
        var nth = seen[parent] = (seen[parent] === undefined ? 0 : seen[parent] + 1);
        var edge = edges[nth % edges.length], label = edge && edge.querySelector("text");
        mark([boxes[parent].g].concat(all(copy)), "warm");
        if (label) label.textContent = "+= " + u[1];
      });
    }
    words(f);
    buttons.reset.disabled = buttons.back.disabled = current === 0;
    buttons.next.disabled = current === last;
    if (reveal && (f.kind === "forward" || f.kind === "backward")) inView(boxes[f.node]);
  }

  // Scroll the graph's box, then the window (or, in a frame, the page around it), so that
  // the value is in view, with a margin, and its op too where both fit.
  var MARGIN = 16;
  function inView(box, windowToo) {
    var area = graph.getBoundingClientRect();
    var width = graph.clientWidth - 2 * MARGIN, height = graph.clientHeight - 2 * MARGIN;
    var rect = box.g.getBoundingClientRect();
    var op = box.op[0] && box.op[0].getBoundingClientRect();
    if (op) {
      var both = {left: Math.min(rect.left, op.left), right: Math.max(rect.right, op.right),
                  top: Math.min(rect.top, op.top), bottom: Math.max(rect.bottom, op.bottom)};
      if (both.right - both.left <= width && both.bottom - both.top <= height) rect = both;
    }
    var dx = shift(rect.left, rect.right, area.left, area.left + graph.clientWidth, true);
    var dy = shift(rect.top, rect.bottom, area.top, area.top + graph.clientHeight, true);
    var before = graph.scrollTop;
    graph.scrollLeft += dx;
    graph.scrollTop += dy;
    dy = graph.scrollTop - before;  // (as far as the box could scroll)
    var top = rect.top - dy, bottom = rect.bottom - dy;
    var above = head.getBoundingClientRect();  // the buttons and the line
    if (windowToo === false) return;
    if (window.parent !== window) {
      var y = window.scrollY;
      window.parent.postMessage({"replay-active": {top: top + y, bottom: bottom + y,
                                                   head: above.top + y}}, "*");
    } else {  // below the buttons and the line, which stay at the top (sticky)
      window.scrollBy(0, shift(top, bottom, Math.max(0, above.bottom), window.innerHeight));
    }
  }
  // How far to scroll so that [lo, hi] lies in [from, to], with MARGIN: nothing if it does;
  // else the least needed, or with `centre` so far that it stands in the middle (its
  // neighbours in sight too); what does not fit starts at `from`.
  function shift(lo, hi, from, to, centre) {
    if (hi - lo > to - from - 2 * MARGIN) return lo - from - MARGIN;
    if (lo >= from + MARGIN && hi <= to - MARGIN) return 0;
    if (centre) return (lo + hi) / 2 - (from + to) / 2;
    return lo < from + MARGIN ? lo - from - MARGIN : hi - to + MARGIN;
  }

  // What a frame says above the graph: its line, its matrices (a graph of Tensors), its
  // status. Every frame's take the room of the largest (see layout), so the page keeps its
  // height while one steps through it.
  function words(f) {
    line.textContent = "";  // each clause "dv/dx = ... -> x.grad += ..." stays whole if it fits
    f.text.split(";  ").forEach(function (clause, i, clauses) {
      var span = line.appendChild(document.createElement("span"));
      span.textContent = i < clauses.length - 1 ? clause + ";" : clause;
      if (i < clauses.length - 1) line.appendChild(document.createTextNode("  "));
    });
    line.className = f.kind === "forward" ? "forward" : f.kind === "backward" ? "" : "quiet";
    tables.textContent = "";  // a graph of Tensors: the step's matrices, or their summaries
    (f.tables || []).forEach(function (t) {
      var figure = tables.appendChild(document.createElement("figure"));
      figure.appendChild(document.createElement("figcaption")).textContent = t[0];
      if (typeof t[1] === "string") {
        var text = figure.appendChild(document.createElement("div"));
        text.className = "summary";
        text.textContent = t[1];
        return;
      }
      var table = figure.appendChild(document.createElement("table"));
      t[1].forEach(function (row) {
        var tr = table.appendChild(document.createElement("tr"));
        row.forEach(function (cell) {
          tr.appendChild(document.createElement("td")).textContent = cell;
        });
      });
    });
    status.textContent = f.status;
  }

  // The graph as wide as the page allows, but never so small that its smallest text is
  // under 11 px on screen: then it keeps that size and scrolls sideways ("Full size": as
  // drawn). Graphviz sizes the picture in points, 4/3 of a pixel.
  var graph = document.getElementById("graph"), bar = document.querySelector(".bar");
  var head = document.getElementById("head");
  var unit = /pt$/.test(svg.getAttribute("width")) ? 4 / 3 : 1;
  var natural = [parseFloat(svg.getAttribute("width")) * unit,
                 parseFloat(svg.getAttribute("height")) * unit];
  var perUnit = natural[0] / svg.viewBox.baseVal.width;
  var smallest = Math.min.apply(null, Array.prototype.map.call(
    svg.querySelectorAll("text"), function (t) { return parseFloat(t.getAttribute("font-size"))
      || 14; }).concat([14])) * perUnit;
  var full = false, width = -1, told = null, height = -1;
  var LEAST_ROOM = 240;  // the graph's box is never lower than this (px)
  function layout() {
    width = graph.clientWidth;
    height = viewport();
    var legible = Math.min(1, data.smallest_text / smallest);
    var scale = full ? 1 : Math.max(Math.min(1, width / natural[0]), legible);
    svg.style.width = natural[0] * scale + "px";
    svg.style.height = natural[1] * scale + "px";
    buttons.fit.disabled = !full && scale === 1;
    var scrolled = [graph.scrollLeft, graph.scrollTop];
    graph.style.maxHeight = "";
    [line, tables, bar].forEach(function (el) { el.style.minHeight = ""; });
    tables.classList.remove("none");
    var most = [0, 0, 0];
    frames.forEach(function (f) {
      words(f);
      [line, tables, bar].forEach(function (el, i) {
        most[i] = Math.max(most[i], el.getBoundingClientRect().height);
      });
    });
    tables.classList.toggle("none", most[1] === 0);
    [line, tables, bar].forEach(function (el, i) { el.style.minHeight = most[i] + "px"; });
    words(frames[current]);
    // the rest of the page and the graph's box together fit the window (the box scrolls)
    var page = document.documentElement.getBoundingClientRect().height;
    var rest = page - graph.getBoundingClientRect().height;
    graph.style.maxHeight = Math.max(LEAST_ROOM, Math.floor(height - rest)) + "px";
    graph.scrollLeft = scrolled[0];
    graph.scrollTop = scrolled[1];
    focus();
    report();
  }
  // Laid out again, the box shows the value at work (at the start: the first step's, so
  // that a graph larger than its box never opens on an empty corner).
  function focus() {
    var f = frames[current];
    var node = f.kind === "forward" || f.kind === "backward" ? f.node :
      current === 0 && frames.length > 1 ? frames[1].node : undefined;
    if (node !== undefined) inView(boxes[node], false);
  }
  // The height the page has to show itself in: its window's, or in a frame that grows with
  // the page, the height of the window around it, as that page tells (replay-frames.js).
  function viewport() { return told || window.innerHeight; }
  // In a frame, the page tells the page around it its height (the site's script, or any
  // that listens for "replay-height", sizes the frame to it): no empty band, no cut. Room
  // for a scrollbar is kept, so that its coming and going never changes the layout.
  if (window.parent !== window) document.documentElement.style.scrollbarGutter = "stable";
  function report() {
    if (window.parent === window) return;
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({"replay-height": height}, "*");
  }
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent) return;
    if (e.data === "replay-height?") report();
    var given = e.data && e.data["replay-viewport"];
    if (typeof given === "number" && given > 0 && given !== told) {
      told = given;
      layout();
    }
  });
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      if (graph.clientWidth !== width) layout();
    }).observe(graph);
  }
  window.addEventListener("resize", function () {
    if (!told && window.innerHeight !== height && window.parent === window) layout();
  });

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    buttons.play.textContent = "Play";
  }
  function play() {
    if (current === last) show(0);
    buttons.play.textContent = "Pause";
    timer = setInterval(function () {
      show(current + 1, true);
      if (current === last) stop();
    }, data.interval);
  }
  function step(k) { stop(); show(k, true); }

  buttons.reset.addEventListener("click", function () { step(0); });
  buttons.back.addEventListener("click", function () { step(current - 1); });
  buttons.next.addEventListener("click", function () { step(current + 1); });
  buttons.play.addEventListener("click", function () { if (timer === null) play(); else stop(); });
  buttons.fit.addEventListener("click", function () {
    full = !full;
    buttons.fit.textContent = full ? "Fit width" : "Full size";
    layout();
  });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var onButton = e.target && e.target.tagName === "BUTTON";
    if (e.key === "ArrowRight") step(current + 1);
    else if (e.key === "ArrowLeft") step(current - 1);
    else if (e.key === "Home") step(0);
    else if (e.key === "End") step(last);
    else if (e.key === " " && !onButton) buttons.play.click();
    else return;
    e.preventDefault();
  });
  show(0);
  layout();
})();
