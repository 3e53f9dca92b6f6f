// The playground (playground.md): the editor, the examples, Run and Stop, and what a run
// shows: its prints, a graph (the drawing the code shows last, as a notebook shows it, else
// the graph of its last Value) and a replay page, all made by the package in the browser's
// Python (tinygrad_edu.viz.playground.run). The code is kept in the browser (local storage)
// while one types, and comes back after a reload. While it runs, a countdown says when it
// will be stopped; a Python that stops working in the page is loaded again, and says so.
(function () {
  "use strict";
  var live = window.tinygradLive;
  var LIMIT = 30;  // seconds a run may take before it is stopped
  var SMALLEST_TEXT_PX = 11;  // a drawing is never shown with smaller text (as on the site)
  var HOT = "#dc2626";  // the highlighted node of a drawing (tinygrad_edu.viz.labels.HOT)
  var KEPT = "tinygrad_edu.viz.playground.code";  // the code in the editor, kept across reloads
  var $ = function (id) { return document.getElementById(id); };
  var code = $("code"), output = $("output"), state = $("state"), menu = $("example");
  var run = $("run"), stop = $("stop");
  var examples = JSON.parse($("examples-data").textContent);

  examples.forEach(function (example) {
    var option = menu.appendChild(document.createElement("option"));
    option.value = example.name;
    option.textContent = example.title;
  });
  var fromGuide = menu.appendChild(document.createElement("option"));
  fromGuide.value = "";
  fromGuide.textContent = "(your code)";

  function set(text) {
    code.value = text;
    code.dispatchEvent(new Event("input"));
  }
  function choose(name) {
    var example = examples.filter(function (e) { return e.name === name; })[0];
    if (example) set(example.code);
    menu.value = example ? name : "";
  }
  // A guide's "Run this" link brings its code in the address: ?code=BASE64URL (UTF-8);
  // ?example=NAME opens an example. Without either, the code of the last visit, if any.
  function fromAddress() {
    var match = /[?&]code=([A-Za-z0-9_-]*)/.exec(location.search);
    if (match) {
      var b64 = match[1].replace(/-/g, "+").replace(/_/g, "/");
      var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
      set(new TextDecoder().decode(bytes));
      menu.value = "";
      return;
    }
    match = /[?&]example=(\w+)/.exec(location.search);
    var kept = live.storage.get(KEPT);
    if (!match && kept) {
      set(kept);
      var same = examples.filter(function (e) { return e.code === kept; })[0];
      menu.value = same ? same.name : "";
      return;
    }
    choose(match ? match[1] : examples[0].name);
  }
  live.editor(code, function () { run.click(); });
  fromAddress();
  if (/[?&](code|example)=/.test(location.search)) {  // taken: a reload keeps what one types
    history.replaceState(null, "", location.pathname + location.hash);
  }
  menu.addEventListener("change", function () { if (menu.value) choose(menu.value); });
  code.addEventListener("input", function (e) {
    if (e.isTrusted) menu.value = "";
    live.storage.set(KEPT, code.value);
  });

  if (!live.served($("live-notice"))) {
    run.disabled = true;
    state.textContent = "Serve the site to run code (see above).";
    return;
  }

  var again = "";  // why Python was loaded again, while it loads: "stopped", "crashed"
  var python = new live.Python(function (what, detail) {
    if (what === "loading") {
      if (!again) say(python && python.busy() ? "Loading Python, then running…" :
                      "Loading Python (a few seconds, once)…");
    } else if (what === "restarting") {
      again = detail;
      say("Loading Python again…");
    } else if (what === "ready") {
      if (!python.busy()) say("Python " + detail.python + (again === "crashed" ?
        " was started again, and is ready" : " is ready") + " (loaded in " +
        detail.seconds.toFixed(1) + " s).");
      else say("Running…");
      again = "";
    } else if (what === "failed") {
      say("Python could not start: " + detail);
      print("Python could not start: " + detail + "\n", "stderr");
    }
  });

  function say(text) { state.textContent = text; }
  // A line of the chain rule ("f = ...  upstream ...;  df/dv1 = ... -> v1.grad += ...")
  // breaks between its clauses, never inside one, as on the site's pages.
  function clauses(box, text, stream) {
    var span = box.appendChild(document.createElement("span"));
    span.className = stream;
    text.split(/(\n)/).forEach(function (line) {
      if (line.indexOf(";  ") < 0) {
        span.appendChild(document.createTextNode(line));
        return;
      }
      line.split(";  ").forEach(function (part, i, parts) {
        if (i > 0) span.appendChild(document.createTextNode("  "));
        var clause = span.appendChild(document.createElement("span"));
        clause.className = "clause";
        clause.textContent = part + (i + 1 < parts.length ? ";" : "");
      });
    });
  }
  var shown = new live.Output(output, clauses, true);
  var countdown = new live.Countdown(python, "Running…", say);
  function print(text, stream, count) { shown.write(text, stream, count); }

  function clear() {
    shown.clear();
    $("graph").textContent = "";
    $("graph-note").textContent = "";
    $("replay-note").textContent = "";
    var frame = $("replay");
    frame.hidden = true;
    frame.removeAttribute("srcdoc");
    $("graph-title").firstChild.textContent = "Graph";
    $("replay-title").firstChild.textContent = "Replay";
    $("program").textContent = "";
    $("program").hidden = true;
    $("program-note").textContent = "";
  }

  run.addEventListener("click", function () {
    if (python.busy()) return;
    clear();
    run.disabled = true;
    stop.disabled = false;
    say(python.ready ? "Running…" : "Loading Python, then running…");
    countdown.start();
    var source = code.value;
    python.call("run", {code: source}, print, LIMIT).then(function (answer) {
      countdown.stop();
      show(answer.result);
      if (answer.stopped) {
        print("\nStopped: " + answer.stopped + ".\n", "stderr");
        say("Stopped.");
      } else {
        say((answer.result.error ? "Stopped by an error" : "Ran") + " in " +
            answer.seconds.toFixed(2) + " s.");
      }
    }, function (error) {
      countdown.stop();
      if (error.crashed) {
        var why = String(error.message).split("\n")[0].slice(0, 120);
        var at = live.diedAt(shown.text(), "<playground>", source);
        var kept = !at && live.diedFreeingKept(shown.text());
        shown.clear();
        if (((at && at.freeing) || kept) && /call stack/.test(why)) {
          print("Python in this page stopped working " + (kept ? "after the code ran: the " +
                "browser's stack overflowed (" + why + ") as Python freed what the code " +
                "kept to its end" : "at line " + at.line + " (" + at.text + "): the " +
                "browser's stack overflowed (" + why + ") as Python freed what that line " +
                "let go of") + ", most likely a long chain of objects each holding the one " +
                "before" + live.CHAIN_FREED + ": on your machine the code runs as it is; " +
                "here, " + live.STEP_BY_STEP + ", or build shorter chains. Python is loaded " +
                "again, with nothing defined, and your code is kept.\n", "stderr");
        } else {
          print("Python in this page stopped working " + (at ? "at line " + at.line + " " : "") +
                "while it ran your code (" + why + "): it is loaded again, " +
                "with nothing defined, and your code is kept. Press Run to run it again.\n",
                "stderr");
        }
        $("graph-note").textContent = "Python stopped working before the code ended: " +
          "nothing to draw.";
      } else if (error.stopped) {  // (unread: a loop in JavaScript)
        print("\nStopped: " + error.message + (error.unread ?
              live.neverGaveBack(source, error.memory) : "") + ". Python was started " +
              "again, with nothing defined: press Run to run the code again.\n", "stderr");
        $("graph-note").textContent = "Stopped before the code ended: nothing to draw.";
        say("Stopped.");
      } else {
        print("\n" + error.message + "\n", "stderr");
        say("Something went wrong in the playground itself.");
      }
    }).then(function () {
      shown.flush();
      run.disabled = false;
      stop.disabled = true;
    });
  });
  stop.addEventListener("click", function () {
    python.stop("you pressed Stop");  // ("Stopped: you pressed Stop.": before,
    // "Stopped: stopped with the Stop button.")
  });

  function show(result) {
    if (result.graph_title) $("graph-title").firstChild.textContent = result.graph_title;
    if (result.replay_title) $("replay-title").firstChild.textContent = result.replay_title;
    if (result.svg) drawing($("graph"), result.svg);
    $("graph-note").textContent = result.graph_note || result.note || "";
    if (result.replay) {
      var frame = $("replay");
      frame.hidden = false;
      frame.srcdoc = result.replay;  // the package's page; a sandbox with no origin of its own
    }
    $("replay-note").textContent = result.replay_note || (result.replay ? "" :
      "No replay: the code names no Value and shows no replay.");
    // the graph as a program (text only: textContent, never HTML)
    $("program").hidden = !result.program;
    $("program").textContent = result.program || "";
    $("program-note").textContent = result.program_note || (result.program ? "" :
      "No program: the code names no Value.");
  }

  // The SVG as a picture (an <img>: it cannot run anything), as wide as the column allows
  // but never with text under 11 px; then it scrolls sideways in its box, and a node
  // highlighted in red (draw_dot(..., highlight=step)) is scrolled into view.
  function drawing(box, svg) {
    var doc = new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
    var unit = /pt$/.test(doc.getAttribute("width")) ? 4 / 3 : 1;
    var natural = parseFloat(doc.getAttribute("width")) * unit;
    var box_ = (doc.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
    var perUnit = box_.length === 4 && box_[2] > 0 ? natural / box_[2] : 1;
    var scale = /scale\(([\d.]+)/.exec(doc.querySelector("g.graph") &&
      doc.querySelector("g.graph").getAttribute("transform") || "");
    if (scale) perUnit *= parseFloat(scale[1]);
    var fonts = Array.prototype.map.call(doc.querySelectorAll("text"), function (t) {
      return parseFloat(t.getAttribute("font-size")) || 14;
    });
    var smallest = Math.min.apply(null, fonts.concat([14])) * perUnit;
    var least = natural * Math.min(1, SMALLEST_TEXT_PX / smallest);
    var img = box.appendChild(document.createElement("img"));
    var bytes = new TextEncoder().encode(svg), binary = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    img.src = "data:image/svg+xml;base64," + btoa(binary);
    img.alt = "The graph as draw_dot draws it: a box per value with its data and grad, a " +
      "circle per operation";
    img.style.width = "100%";
    img.style.maxWidth = natural.toFixed(0) + "px";
    img.style.minWidth = (least + 1).toFixed(0) + "px";
    img.style.height = "auto";
    var hot = highlighted(doc, box_);
    if (hot) {
      var focus = function () {
        box.scrollLeft = Math.max(0, hot * img.clientWidth - box.clientWidth / 2);
      };
      if (img.complete) focus();
      else img.addEventListener("load", focus);
    }
  }

  // Where the node drawn in red stands across the picture (0 to 1), or null: from its
  // outline's points, through the graph's transform (Graphviz: scale, then translate).
  function highlighted(doc, viewBox) {
    var shape = Array.prototype.filter.call(doc.querySelectorAll("g.node polygon, " +
      "g.node ellipse"), function (el) { return el.getAttribute("stroke") === HOT; })[0];
    var graph = doc.querySelector("g.graph");
    if (!shape || !graph || viewBox.length !== 4 || !(viewBox[2] > 0)) return null;
    var xs = shape.tagName === "ellipse" ? [parseFloat(shape.getAttribute("cx"))] :
      (shape.getAttribute("points") || "").trim().split(/\s+/).map(function (p) {
        return parseFloat(p.split(",")[0]);
      });
    var transform = graph.getAttribute("transform") || "";
    var s = /scale\(([\d.]+)/.exec(transform), t = /translate\(([-\d.]+)/.exec(transform);
    var x = (Math.min.apply(null, xs) + Math.max.apply(null, xs)) / 2;
    x = (x + (t ? parseFloat(t[1]) : 0)) * (s ? parseFloat(s[1]) : 1);
    return Math.max(0, Math.min(1, x / viewBox[2]));
  }
})();
