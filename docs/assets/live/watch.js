// "Watch it learn" (watch.md): micrograd's demo trained in the browser's Python, one step at a
// time, by tinygrad_edu.viz.watch (its page_* functions, through the worker): Play, Pause, Step,
// a speed; the plane coloured by the model's score with its decision boundary and the loss
// curve drawn again after every step; the graph of the point one follows (click a point),
// drawn by its parts (click a part to open it), and the replay of its backward pass. The
// numbers all come from Python; this script only draws them.
(function () {
  "use strict";
  var live = window.tinygradLive;
  var LIMIT = 120;  // seconds a call may take (a first one waits for Python to load)
  var SMALLEST_TEXT_PX = 11;  // a drawing's text is never smaller on screen
  var RED = [220, 38, 38], BLUE = [37, 99, 235];  // score below 0, above 0 (as the demo)
  var $ = function (id) { return document.getElementById(id); };
  var data = JSON.parse($("moons-data").textContent);
  var buttons = {play: $("play"), step: $("step"), again: $("again"),
                 replay: $("replay-button")};
  var plane = $("plane"), curve = $("curve"), log = $("log"), state = $("state");

  // What is shown: the model's scores over the plane, the steps' numbers, the point followed
  var shown = {bounds: null, grid: 0, scores: null, losses: [], accuracies: [], lines: [],
               k: -1, steps: data.steps, done: false, point: null, opened: [],
               pointLosses: null};
  var playing = false, paused = false, stepping = false, timer = null, python = null;

  function say(text) { state.textContent = text; }

  // ------------------------------------------------------------------ the plane

  function sized(canvas, width, height) {  // a canvas of width × height CSS px, sharp
    var ratio = window.devicePixelRatio || 1;
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    var context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    return context;
  }

  function planeSize() {
    var b = shown.bounds || [-1.5, 2.5, -1, 1.5];
    var width = Math.min(plane.parentElement.clientWidth, 520);
    return [width, Math.round(width * (b[3] - b[2]) / (b[1] - b[0]))];
  }

  function toScreen(x, y, size) {  // plane coordinates -> canvas px
    var b = shown.bounds;
    return [(x - b[0]) / (b[1] - b[0]) * size[0], (b[3] - y) / (b[3] - b[2]) * size[1]];
  }

  function drawPlane() {
    if (!shown.bounds) return;
    var size = planeSize(), context = sized(plane, size[0], size[1]), n = shown.grid;
    context.clearRect(0, 0, size[0], size[1]);
    if (shown.scores) {  // the scores, n × n, smoothed; row 0 is the lowest y
      var most = Math.max(1e-9, Math.max.apply(null, shown.scores.map(Math.abs)));
      var image = document.createElement("canvas");
      image.width = image.height = n;
      var pixels = image.getContext("2d").createImageData(n, n);
      shown.scores.forEach(function (s, k) {
        var i = k % n, j = Math.floor(k / n), at = ((n - 1 - j) * n + i) * 4;
        var colour = s > 0 ? BLUE : RED, strength = Math.min(1, Math.abs(s) / most);
        for (var c = 0; c < 3; c++) {
          pixels.data[at + c] = Math.round(255 + (colour[c] - 255) * (0.15 + 0.6 * strength));
        }
        pixels.data[at + 3] = 255;
      });
      image.getContext("2d").putImageData(pixels, 0, 0);
      var cellX = size[0] / (n - 1), cellY = size[1] / (n - 1);
      context.imageSmoothingEnabled = true;
      context.drawImage(image, -cellX / 2, -cellY / 2, size[0] + cellX, size[1] + cellY);
      boundary(context, size, n);
    }
    data.X.forEach(function (p, i) {
      var at = toScreen(p[0], p[1], size);
      context.beginPath();
      context.arc(at[0], at[1], 4.5, 0, 2 * Math.PI);
      context.fillStyle = data.y[i] > 0 ? "rgb(" + BLUE + ")" : "rgb(" + RED + ")";
      context.fill();
      context.lineWidth = 1;
      context.strokeStyle = "#111827";
      context.stroke();
    });
    if (shown.point !== null) {  // the point followed: a ring
      var p = data.X[shown.point], at = toScreen(p[0], p[1], size);
      context.beginPath();
      context.arc(at[0], at[1], 9, 0, 2 * Math.PI);
      context.lineWidth = 3;
      context.strokeStyle = "#ea580c";
      context.stroke();
    }
  }

  // The line where the score is 0, by marching squares on the grid (each cell's corners).
  function boundary(context, size, n) {
    var s = shown.scores, dx = size[0] / (n - 1), dy = size[1] / (n - 1);
    var at = function (i, j) { return s[j * n + i]; };
    var cross = function (a, b, pa, pb) {  // where the score is 0 between two corners
      var t = a / (a - b);
      return [pa[0] + (pb[0] - pa[0]) * t, pa[1] + (pb[1] - pa[1]) * t];
    };
    context.beginPath();
    for (var j = 0; j + 1 < n; j++) {
      for (var i = 0; i + 1 < n; i++) {
        var corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
        var values = corners.map(function (c) { return at(c[0], c[1]); });
        var points = corners.map(function (c) { return [c[0] * dx, size[1] - c[1] * dy]; });
        var found = [];
        for (var e = 0; e < 4; e++) {
          var a = values[e], b = values[(e + 1) % 4];
          if ((a > 0) !== (b > 0)) found.push(cross(a, b, points[e], points[(e + 1) % 4]));
        }
        for (var f = 0; f + 1 < found.length; f += 2) {
          context.moveTo(found[f][0], found[f][1]);
          context.lineTo(found[f + 1][0], found[f + 1][1]);
        }
      }
    }
    context.lineWidth = 2;
    context.strokeStyle = "#111827";
    context.stroke();
  }

  plane.addEventListener("click", function (event) {
    if (!shown.bounds) return;
    var box = plane.getBoundingClientRect(), size = [box.width, box.height];
    var x = event.clientX - box.left, y = event.clientY - box.top, best = null, nearest = 15;
    data.X.forEach(function (p, i) {
      var at = toScreen(p[0], p[1], size), d = Math.hypot(at[0] - x, at[1] - y);
      if (d < nearest) { nearest = d; best = i; }
    });
    if (best !== null) follow(best);
  });

  // ------------------------------------------------------------------ the curve

  function drawCurve() {
    var width = Math.min(curve.parentElement.clientWidth, 520), height = Math.round(width * 0.55);
    var context = sized(curve, width, height);
    var left = 44, right = 44, top = 10, bottom = 26;
    var w = width - left - right, h = height - top - bottom, steps = shown.steps;
    var most = Math.max(1, Math.max.apply(null, shown.losses.concat([0])));
    context.clearRect(0, 0, width, height);
    context.font = "11px sans-serif";
    context.fillStyle = context.strokeStyle = "#6b7280";
    context.lineWidth = 1;
    context.strokeRect(left, top, w, h);
    context.textAlign = "right";
    [0, most / 2, most].forEach(function (v) {
      context.fillText(v.toFixed(2), left - 4, top + h - v / most * h + 4);
    });
    context.textAlign = "left";
    ["0%", "50%", "100%"].forEach(function (t, i) {
      context.fillText(t, left + w + 4, top + h - i * h / 2 + 4);
    });
    context.textAlign = "center";
    [0, steps / 2, steps].forEach(function (v) {
      context.fillText(String(v), left + v / steps * w, top + h + 16);
    });
    var line = function (values, scale, dashed, colour) {
      context.beginPath();
      values.forEach(function (v, k) {
        var x = left + (k + 0.5) / steps * w, y = top + h - v / scale * h;
        if (k) context.lineTo(x, y); else context.moveTo(x, y);
      });
      context.setLineDash(dashed ? [5, 4] : []);
      context.strokeStyle = colour;
      context.lineWidth = 2;
      context.stroke();
      context.setLineDash([]);
    };
    line(shown.losses, most, false, "#111827");
    line(shown.accuracies, 1, true, "#2563eb");
  }

  // ------------------------------------------------------------------ a point's graph

  function follow(i) {
    shown.point = i;
    shown.opened = [];
    drawPlane();
    $("example-title").textContent = "Point " + i + "'s graph";
    $("replay-title").textContent = "Point " + i + "'s backward pass, replayed";
    buttons.replay.textContent = "Replay point " + i + "'s backward pass";
    if (shown.k < 0) {
      $("example-note").textContent = "Press Step or Play: point " + i + "'s graph is drawn " +
        "after each step.";
      return;
    }
    ask("page_example", {example: i, opened: []}).then(example, failed);
  }

  function open(path) {
    shown.opened = shown.opened[0] === path ? [] : [path];
    ask("page_example", {example: shown.point, opened: shown.opened}).then(example, failed);
  }

  function example(answer) {
    if (answer.example !== shown.point) return;  // another point was chosen meanwhile
    var box = $("example");
    box.textContent = "";
    var doc = new DOMParser().parseFromString(answer.svg, "image/svg+xml").documentElement;
    var svg = box.appendChild(document.importNode(doc, true));
    var unit = /pt$/.test(svg.getAttribute("width")) ? 4 / 3 : 1;
    var natural = parseFloat(svg.getAttribute("width")) * unit;
    var view = svg.viewBox.baseVal, perUnit = view && view.width ? natural / view.width : 1;
    var smallest = Math.min.apply(null, Array.prototype.map.call(svg.querySelectorAll("text"),
      function (t) { return parseFloat(t.getAttribute("font-size")) || 14; }).concat([14]));
    var least = natural * Math.min(1, SMALLEST_TEXT_PX / (smallest * perUnit));
    svg.removeAttribute("height");
    svg.style.width = "100%";
    svg.style.maxWidth = natural.toFixed(0) + "px";
    svg.style.minWidth = (least + 1).toFixed(0) + "px";
    svg.style.height = "auto";
    svg.style.display = "block";
    var paths = Object.keys(answer.parts).map(function (id) { return answer.parts[id]; });
    svg.querySelectorAll("g.node").forEach(function (g) {
      var path = answer.parts[g.querySelector("title").textContent];
      if (!path || / parameters$|: leaves$/.test(path)) return;
      g.classList.add("watch-part");
      g.setAttribute("role", "button");
      g.setAttribute("tabindex", "0");
      g.setAttribute("aria-label", "Open " + path);
      g.addEventListener("click", function () { open(path); });
      g.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(path); }
      });
    });
    partButtons(paths.filter(function (p) { return !/: /.test(p); })
      .concat(shown.opened).sort());
    var y = data.y[shown.point] > 0 ? "+1" : "-1";
    $("example-note").textContent = "Point " + shown.point + " (" +
      answer.point.map(function (v) { return v.toFixed(2); }).join(", ") + "), label " + y +
      ", at step " + shown.k + ": score " + answer.score.toFixed(4) + ", its loss max(0, 1 − " +
      "label·score) = " + answer.example_loss.toFixed(4) + " (its gradient " +
      answer.example_grad + ": the step's loss is the mean of the 100 points', plus the " +
      "penalty). " + (answer.example_loss === 0 ? "Its loss is 0 (it is on the right side, " +
      "beyond the margin), so nothing flows back from it: its gradients are 0 but the " +
      "weights', which are the whole step's. " : "The weights are shared by all points: " +
      "their gradients are the whole step's. ") +
      (shown.opened.length ? " Open: " + shown.opened[0] + ", its values one by one." :
       " Click a layer to open it.");
    buttons.replay.disabled = false;
  }

  function partButtons(paths) {  // a button per layer, to open it or close it
    var bar = $("parts");
    bar.textContent = "";
    bar.hidden = !paths.length;
    var label = bar.appendChild(document.createElement("span"));
    label.className = "live-state";
    label.textContent = "Open a layer:";
    paths.forEach(function (path) {
      var button = bar.appendChild(document.createElement("button"));
      button.type = "button";
      button.className = "md-button";
      var isOpen = shown.opened[0] === path;
      button.textContent = (isOpen ? "Close " : "") + path;
      button.setAttribute("aria-pressed", String(isOpen));
      button.addEventListener("click", function () { open(path); });
    });
  }

  buttons.replay.addEventListener("click", function () {
    if (shown.point === null || shown.k < 0) return;
    buttons.replay.disabled = true;
    $("replay-note").textContent = "Drawing the replay of point " + shown.point + " at step " +
      shown.k + "…";
    ask("page_replay", {example: shown.point}).then(function (answer) {
      var frame = $("replay");
      frame.hidden = false;
      frame.srcdoc = answer.html;  // the package's page; a sandbox with no origin of its own
      $("replay-note").textContent = answer.title + ": " + answer.steps + " backward steps.";
    }, failed).then(function () { buttons.replay.disabled = false; });
  });

  // ------------------------------------------------------------------ the steps

  // One call at a time, in the order asked (a click on a point while a step runs waits).
  var queue = Promise.resolve();
  function ask(call, args) {
    var answer = queue.then(function () {
      return python.call("watch", {call: call, args: args}, function () {}, LIMIT);
    });
    queue = answer.catch(function () {});
    return answer.then(function (a) { return a.result; });
  }

  function failed(error) {
    stop();
    say(error.crashed ? "Python stopped working in the page (" + error.message + "): it is " +
        "loaded again; press Start again to train from the start." :
        (error.stopped ? "Stopped: " : "Something went wrong: ") + error.message);
    enable();
  }

  function start() {
    stop();
    shown.losses = [];
    shown.accuracies = [];
    shown.lines = [];
    shown.k = -1;
    shown.done = false;
    log.textContent = "";
    $("example").textContent = "";
    $("parts").hidden = true;
    $("replay").hidden = true;
    buttons.replay.disabled = true;
    enable(false);
    say(python.ready ? "Starting…" : "Loading Python (a few seconds, once)…");
    ask("page_start", {X: data.X, y: data.y, seed: data.seed, steps: data.steps})
      .then(function (answer) {
        shown.bounds = answer.bounds;
        shown.grid = answer.grid;
        shown.scores = answer.scores;
        shown.steps = answer.steps;
        $("plane-caption").textContent = answer.model + ", untrained. Click a point to " +
          "follow it.";
        drawPlane();
        drawCurve();
        say("Ready: press Play or Step.");
        enable();
      }, failed);
  }

  function step() {
    if (stepping || shown.done) return Promise.resolve(null);
    stepping = true;
    enable();
    return ask("page_step", {example: shown.point, opened: shown.opened}).then(function (a) {
      stepping = false;
      shown.k = a.k;
      shown.done = a.done;
      shown.scores = a.scores;
      shown.losses.push(a.loss);
      shown.accuracies.push(a.accuracy);
      shown.lines.push(a.line);
      log.textContent += (log.textContent ? "\n" : "") + a.line;
      log.scrollTop = log.scrollHeight;
      $("plane-caption").textContent = "After step " + a.k + "'s forward and backward pass " +
        "(learning rate " + a.lr.toFixed(3) + "): " + a.line.replace(/\s+/g, " ") + ".";
      if (shown.point === null) {  // follow a point the model gets wrong, to begin with
        shown.point = a.worst;
        follow(a.worst);
      } else if (a.svg) {
        example(a);
      }
      drawPlane();
      drawCurve();
      if (a.done) stop();
      say(status());
      enable();
      return a;
    }, function (error) {
      stepping = false;
      failed(error);
    });
  }

  function play() {
    if (shown.done) return;
    playing = true;
    paused = false;
    buttons.play.textContent = "Pause";
    say(status());
    var next = function () {
      if (!playing) return;
      step().then(function () {
        if (playing && !shown.done) timer = setTimeout(next, Number($("speed").value));
      });
    };
    next();
  }

  // Stop playing; `pausing`: by the Pause button (the status says so at once).
  function stop(pausing) {
    var was = playing;
    playing = false;
    paused = !!pausing && was;
    clearTimeout(timer);
    buttons.play.textContent = "Play";
    if (paused) say(status());
  }

  // What the page is doing, for the status line: playing, paused, done, or at a step.
  function status() {
    if (shown.done) return "Done: " + (shown.k + 1) + " steps, as the demo takes them.";
    if (shown.k < 0) return playing ? "Playing: the first step…" : "Ready: press Play or Step.";
    var where = "step " + shown.k + " of " + (shown.steps - 1);
    if (playing) return "Playing: " + where + ".";
    if (paused) return "Paused at " + where + ": Play goes on, Step takes one step.";
    return "At " + where + ".";
  }

  function enable(on) {
    var ready = on !== false && shown.bounds !== null;
    buttons.play.disabled = !ready || shown.done;
    buttons.step.disabled = !ready || shown.done || playing || stepping;
    buttons.again.disabled = !ready;
  }

  buttons.play.addEventListener("click", function () {
    if (playing) stop(true); else play();
    enable();
  });
  buttons.step.addEventListener("click", function () {
    stop();
    paused = false;
    step();
  });
  buttons.again.addEventListener("click", function () { start(); });
  document.addEventListener("keydown", function (e) {
    var tag = e.target && e.target.tagName;
    if (e.altKey || e.ctrlKey || e.metaKey || tag === "SELECT" || tag === "BUTTON" ||
        tag === "INPUT" || tag === "TEXTAREA" || !shown.bounds) return;
    if (e.key === " ") buttons.play.click();
    else if (e.key === "ArrowRight" && !buttons.step.disabled) buttons.step.click();
    else return;
    e.preventDefault();
  });
  var width = -1;
  window.addEventListener("resize", function () {
    if (plane.parentElement.clientWidth === width) return;
    width = plane.parentElement.clientWidth;
    drawPlane();
    drawCurve();
  });

  if (!live.served($("live-notice"))) {
    say("Serve the site to run it (see above).");
    return;
  }
  python = new live.Python(function (what, detail) {
    if (what === "failed") say("Python could not start: " + detail);
    else if (what === "restarting") say("Loading Python again…");
  });
  start();
})();
