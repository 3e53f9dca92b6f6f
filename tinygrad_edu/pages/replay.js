// The replay page's script: tinygrad_edu/replay.py puts it in the page, whose
// Content-Security-Policy allows this script only, by its hash. It reads the frames from the
// JSON in #replay-data and steps through them on the SVG that Graphviz drew. It runs in any
// browser, from disk and offline: no modules, no requests. (Never write a closing script tag
// here, not even in a comment: it would end the page's script.)
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
  function show(k) {
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
  var unit = /pt$/.test(svg.getAttribute("width")) ? 4 / 3 : 1;
  var natural = [parseFloat(svg.getAttribute("width")) * unit,
                 parseFloat(svg.getAttribute("height")) * unit];
  var perUnit = natural[0] / svg.viewBox.baseVal.width;
  var smallest = Math.min.apply(null, Array.prototype.map.call(
    svg.querySelectorAll("text"), function (t) { return parseFloat(t.getAttribute("font-size"))
      || 14; }).concat([14])) * perUnit;
  var full = false, width = -1;
  function layout() {
    width = graph.clientWidth;
    var legible = Math.min(1, data.smallest_text / smallest);
    var scale = full ? 1 : Math.max(Math.min(1, width / natural[0]), legible);
    svg.style.width = natural[0] * scale + "px";
    svg.style.height = natural[1] * scale + "px";
    buttons.fit.disabled = !full && scale === 1;
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
    report();
  }
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
    if (e.source === window.parent && e.data === "replay-height?") report();
  });
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      if (graph.clientWidth !== width) layout();
    }).observe(graph);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    buttons.play.textContent = "Play";
  }
  function play() {
    if (current === last) show(0);
    buttons.play.textContent = "Pause";
    timer = setInterval(function () {
      show(current + 1);
      if (current === last) stop();
    }, data.interval);
  }
  function step(k) { stop(); show(k); }

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
