// The exercises in the browser (exercises-live.md): pick one, write the answer, Check. The
// grading is `python -m tinygrad_edu exercises check solutions.py NAME` run in the browser's
// Python (tinygrad_edu.viz.playground.check): the same verdict, failing input and diagnosis.
// The progress file that command writes is kept in the browser's local storage, and so is
// the code of each exercise.
(function () {
  "use strict";
  var live = window.tinygradLive;
  var LIMIT = 120;  // seconds a grading may take before it is stopped
  var PROGRESS = "tinygrad_edu.exercises.progress";  // the progress file's JSON text
  var CODE = "tinygrad_edu.exercises.code.";  // + the exercise's name: the learner's code
  var $ = function (id) { return document.getElementById(id); };
  var menu = $("exercise"), code = $("code"), output = $("output"), state = $("state");
  var check = $("check"), stop = $("stop");
  var all = JSON.parse($("exercises-data").textContent);
  var chosen = null;

  var storage = live.storage;
  var shown = new live.Output(output);

  function progress() {  // {name: {attempts, passed}}, as the progress file has it
    try {
      return JSON.parse(storage.get(PROGRESS) || "{}").exercises || {};
    } catch (e) {
      return {};
    }
  }

  function mark(ex, record) {
    if (!record) return "";
    if (record.passed) return "  ✓ passed";
    return "  ✗ " + record.attempts + " attempt" + (record.attempts === 1 ? "" : "s");
  }

  // The menu: the exercises, then the stages of microgpt, each under its own heading.
  var GROUPS = [["", "Exercises"], ["microgpt", "Build microgpt yourself"]];

  function fillMenu() {
    var record = progress(), counts = {};
    menu.textContent = "";
    GROUPS.forEach(function (group) {
      var box = menu.appendChild(document.createElement("optgroup"));
      box.label = group[1];
      counts[group[0]] = {passed: 0, here: 0};
      all.filter(function (ex) { return (ex.track || "") === group[0]; }).forEach(function (ex) {
        var option = box.appendChild(document.createElement("option"));
        option.value = ex.name;
        option.textContent = (ex.track ? "stage " : "") + ex.number + ". " +
          (ex.kind === "class" ? "class " + ex.symbol : ex.signature) + ": " + ex.title +
          (ex.arrays ? "  (on your machine)" : mark(ex, record[ex.name]));
        if (!ex.arrays) counts[group[0]].here += 1;
        if (!ex.arrays && record[ex.name] && record[ex.name].passed) counts[group[0]].passed += 1;
      });
    });
    if (chosen) menu.value = chosen.name;
    $("progress").textContent = counts[""].passed + " of " + counts[""].here + " exercises and " +
      counts.microgpt.passed + " of " + counts.microgpt.here + " stages passed in this browser";
  }

  function choose(name) {
    if (chosen && !chosen.arrays) storage.set(CODE + chosen.name, code.value);
    chosen = all.filter(function (ex) { return ex.name === name; })[0] || all[0];
    menu.value = chosen.name;
    if (location.hash !== "#" + chosen.name) history.replaceState(null, "", "#" + chosen.name);
    $("statement").textContent = (chosen.track ? "Build " + chosen.track + " yourself, stage " +
      chosen.number : "Exercise " + chosen.number) + " (level " + chosen.level + "): " +
      chosen.title + "\n\n" + chosen.statement + "\n\nGraded on: " + chosen.domain;
    shown.clear();
    $("editor").hidden = chosen.arrays;
    $("local").hidden = !chosen.arrays;
    if (chosen.arrays) local(chosen);
    else set(storage.get(CODE + chosen.name) || chosen.starter);
  }

  function set(text) {
    code.value = text;
    code.dispatchEvent(new Event("input"));
  }

  function local(ex) {  // what to do on one's own machine
    var box = $("local");
    box.textContent = "";
    var say = function (tag, text) {
      box.appendChild(document.createElement(tag)).textContent = text;
    };
    say("p", "This exercise works on NumPy arrays, and the Python in your browser has no " +
        "NumPy: do it on your machine. In a clone of the repository:");
    say("pre", "./run.sh notebooks     # everything installed; notebook 08 has the " +
        "exercises\n# or in your own environment: pip install -e '.[testing]', then\n" +
        "python -m tinygrad_edu exercises start solutions.py " + ex.name + "\n" +
        "python -m tinygrad_edu exercises check solutions.py " + ex.name);
    say("p", "The starter:");
    say("pre", ex.starter);
  }

  live.editor(code, function () { check.click(); });
  fillMenu();
  choose(location.hash.slice(1) || all[0].name);
  menu.addEventListener("change", function () { choose(menu.value); });
  window.addEventListener("hashchange", function () {
    if (location.hash.slice(1) !== chosen.name) choose(location.hash.slice(1));
  });
  code.addEventListener("input", function () { storage.set(CODE + chosen.name, code.value); });
  $("starter").addEventListener("click", function () { set(chosen.starter); });
  $("download").addEventListener("click", function () {  // answers.js writes the file
    var track = chosen.track || "";  // (the stages of microgpt: a file of their own)
    var name = track ? "my_gpt.py" : "my_answers.py";
    var text = window.tinygradAnswers.file(all, function (n) { return storage.get(CODE + n); },
                                          new Date().toISOString().slice(0, 10), name, track);
    if (text === null) {
      state.textContent = "Nothing to download yet: no answer differs from its starter.";
      return;
    }
    var link = document.body.appendChild(document.createElement("a"));
    link.href = URL.createObjectURL(new Blob([text], {type: "text/x-python"}));
    link.download = name;
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    state.textContent = "Saved " + name + ": grade it with python -m tinygrad_edu " +
      "exercises check " + name + (track ? " " + track : "") + ", or hand it in.";
  });

  if (!live.served($("live-notice"))) {
    check.disabled = true;
    state.textContent = "Serve the site to grade answers (see above).";
    return;
  }

  function say(text) { state.textContent = text; }
  function print(text, stream, count) { shown.write(text, stream, count); }

  var python = new live.Python(function (what, detail) {
    if (what === "loading") say(python && python.busy() ? "Loading Python, then grading…" :
                                "Loading Python (a few seconds, once)…");
    else if (what === "restarting") say("Loading Python again…");
    else if (what === "ready") say(python.busy() ? "Grading…" : "Python " + detail.python +
                                   " is ready.");
    else if (what === "failed") say("Python could not start: " + detail);
  });

  check.addEventListener("click", function () {
    if (python.busy() || chosen.arrays) return;
    var ex = chosen;
    shown.clear();
    check.disabled = true;
    stop.disabled = false;
    say(python.ready ? "Grading…" : "Loading Python, then grading…");
    python.call("check", {name: ex.name, code: code.value, progress: storage.get(PROGRESS) || ""},
                print, LIMIT).then(function (answer) {
      var kept = storage.set(PROGRESS, answer.result.progress);
      if (answer.stopped) {
        print("\nStopped: " + answer.stopped + ".\n", "stderr");
        say("Stopped.");
        return;
      }
      say((answer.result.code === 0 ? "Passed" : "Not yet") + " (graded in " +
          answer.seconds.toFixed(1) + " s)" + (kept ? "." : "; this browser does not let " +
          "the page keep your progress."));
      fillMenu();
    }, function (error) {
      print("\n" + (error.stopped ? "Stopped: " + error.message + ". A solution that loops " +
            "forever is the usual cause. Python was started again." : error.message) + "\n",
            "stderr");
      say("Stopped.");
    }).then(function () {
      shown.flush();
      check.disabled = false;
      stop.disabled = true;
    });
  });
  stop.addEventListener("click", function () { python.stop("stopped with the Stop button"); });
})();
