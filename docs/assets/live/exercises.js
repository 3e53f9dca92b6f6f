// The exercises in the browser (exercises-live.md): pick one, write the answer, Check. The
// grading is `python -m tinygrad_edu exercises check solutions.py NAME` run in the browser's
// Python (tinygrad_edu.viz.playground.checked): the same verdict, failing input and diagnosis.
// The progress file that command writes is kept in the browser's local storage
// (progress.js), and so are the code of each exercise and its latest verdict (shown again
// after a reload). The exercises and the stages of microgpt have a menu each.
// While a grading runs, a countdown says when it will be stopped; a stop, or a Python that
// dies in the page, loads Python again and keeps the code, and a grading that did not end
// with a verdict does not count; but Python that died at a line of the learner's code
// (verdicts.diedInCode) is a verdict, "not yet", as the command line's for the same code.
// "Start again" asks first, and keeps the code it replaces so that it can be brought back.
// A Check's verdict lands on its own exercise: chosen away
// while it grades, its box goes with it, and is shown again when it is chosen again.
// What is shown once a Check ends (the verdict on screen, the next step, a crash told) is
// verdicts.js's.
(function () {
  "use strict";
  var live = window.tinygradLive, verdicts = window.tinygradVerdicts;  // (verdicts.js)
  var progressFile = window.tinygradProgress;  // (progress.js: the progress, the code checked)
  var PROGRESS = progressFile.PROGRESS, CODE = progressFile.CODE;
  var CHECKED = progressFile.CHECKED, progress = progressFile.progress;
  var attempts = progressFile.attempts, notPassed = progressFile.notPassed;
  var edited = progressFile.edited, mark = progressFile.mark, same = progressFile.same;
  var LIMIT = 120;  // seconds a grading may take before it is stopped
  var EARLIER = "tinygrad_edu.exercises.earlier.";  // + name: the code "Start again" replaced
  var VERDICT = "tinygrad_edu.exercises.verdict.";  // + name: its latest Check's verdict, shown
  // when it is chosen after a reload, until it is Checked in this page
  var $ = function (id) { return document.getElementById(id); };
  var code = $("code"), output = $("output"), state = $("state");
  var check = $("check"), stop = $("stop");
  var all = JSON.parse($("exercises-data").textContent);
  var chosen = null;

  var storage = live.storage;
  var shown = new live.Output(output);  // (the box on the page: the chosen one's)
  var running = null;  // the Check under way: {ex, box, shown}
  var held = {};  // by name: {box, shown, state, passed} of a Check that ended elsewhere
  var endedHere = {};  // by name: true once a Check of it ended in this page

  // The menus: the exercises in one, the stages of microgpt in the other (MENUS: the
  // track, "" for the exercises, and its menu's first line, shown while the other menu's
  // choice is on the page).
  var MENUS = [["", $("exercise"), "pick an exercise"],
               ["microgpt", $("stage"), "pick a stage"]];

  var tally = {};  // by track ("" for the exercises): {passed, here}, as fillMenus counts

  // The command line's count under a verdict, "your answer: 1 of 1 attempted stages of
  // microgpt pass." (of the file it graded: here, the one answer of this Check), said as
  // this browser counts them, as the progress beside the menus does: "10 of 10 stages of
  // microgpt passed in this browser." Before, "1 of 1 attempted" under each stage's pass,
  // with all ten passed (a tester's walk). In `box`, the Check of `ex`, once fillMenus
  // has counted it; counted again wherever a verdict is shown again (a verdict kept from
  // before a reload, `before`, is kept with the command line's line): before, the count
  // of its Check, "1 of 10" where the progress said "10 of 10" (a fifth tester's walk).
  var SUMMARY = new RegExp("^(?:your answer: \\d+ of 1 attempted|\\d+ of \\d+) " +
                           "(?:stages of \\w+|exercises) pass(?:ed in this browser)?\\.$", "m");
  function browserCount(box, ex) {
    var count = tally[ex.track || ""];
    if (!count) return;
    var walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) {
      if (!SUMMARY.test(node.textContent)) continue;
      node.textContent = node.textContent.replace(SUMMARY, count.passed + " of " + count.here +
        (ex.track ? " stages of " + ex.track : " exercises") + " passed in this browser.");
      return;
    }
  }

  function fillMenus() {
    var record = progress(), counts = {};
    MENUS.forEach(function (m) {
      var track = m[0], menu = m[1];
      menu.textContent = "";
      var none = menu.appendChild(document.createElement("option"));
      none.value = "";
      none.textContent = "(" + m[2] + ")";
      counts[track] = {passed: 0, here: 0};
      all.filter(function (ex) { return (ex.track || "") === track; }).forEach(function (ex) {
        var option = menu.appendChild(document.createElement("option"));
        option.value = ex.name;
        option.textContent = (ex.track ? "stage " : "") + ex.number + ". " +
          (ex.kind === "class" ? "class " + ex.symbol : ex.signature) + ": " + ex.title +
          (ex.arrays ? "  (on your machine)" : mark(record[ex.name], ex.name));
        if (!ex.arrays) counts[track].here += 1;
        if (!ex.arrays && record[ex.name] && record[ex.name].passed) counts[track].passed += 1;
      });
    });
    showChoice();
    tally = counts;
    $("progress").textContent = counts[""].passed + " of " + counts[""].here + " exercises and " +
      counts.microgpt.passed + " of " + counts.microgpt.here + " stages passed in this browser";
  }

  function showChoice() {  // the chosen one in its menu, the other menu at its first line
    MENUS.forEach(function (m) {
      m[1].value = chosen && (chosen.track || "") === m[0] ? chosen.name : "";
    });
  }

  function choose(name) {
    if (chosen && !chosen.arrays) storage.set(CODE + chosen.name, code.value);
    chosen = all.filter(function (ex) { return ex.name === name; })[0] || all[0];
    showChoice();
    if (location.hash !== "#" + chosen.name) history.replaceState(null, "", "#" + chosen.name);
    $("statement").textContent = (chosen.track ? "Build " + chosen.track + " yourself, stage " +
      chosen.number : "Exercise " + chosen.number) + " (level " + chosen.level + "): " +
      chosen.title + "\n\n" + plain(reflowed(chosen.statement)) + "\n\nGraded on: " +
      chosen.domain;
    var kept = running && running.ex === chosen ? running : held[chosen.name] || null;
    delete held[chosen.name];
    box(kept);
    if (!kept && !endedHere[chosen.name]) before(chosen.name);
    else if (kept && kept !== running) browserCount(output, chosen);  // (counted again)
    var record = progress()[chosen.name];  // (a reload keeps the progress: its next step too)
    next((kept ? kept.passed : record && record.passed) ? chosen : null);
    asking(false);
    if (kept && kept.state) say(kept.state);  // (its verdict, which ended elsewhere)
    else if (python && python.ready && !python.busy()) say(own());  // (not the one before's)
    $("editor").hidden = chosen.arrays;
    $("local").hidden = !chosen.arrays;
    if (chosen.arrays) local(chosen);
    else set(storage.get(CODE + chosen.name) || chosen.starter);
    showEarlier();
  }

  // A statement's paragraphs and items as one line each, for the box to wrap at its width
  // (written wrapped at 90 columns: at 390 px each line wrapped again, ragged, "... on a
  // weighted sum of" / "the outputs."); a line indented by 4 or more (a
  // formula, code) stays as it is.
  // A numbered item starts a list only at 1, or after another item ("... must start
  // from" / "0. Return the loss": one sentence, as Markdown reads it).
  function reflowed(text) {
    var ITEM = /^(- |\* |\d+[.)] )/, FIRST = /^(- |\* |1[.)] )/, out = [];
    text.split("\n").forEach(function (line) {
      var last = out.length ? out[out.length - 1] : "";
      var starts = FIRST.test(line) || ITEM.test(line) && ITEM.test(last);
      var goesOn = last.trim() && line.trim() && /^\S/.test(last) && (
        /^\S/.test(line) && !starts || /^ {2}\S/.test(line) && ITEM.test(last));
      if (goesOn) out[out.length - 1] = last + " " + line.trim();
      else out.push(line);
    });
    return out.join("\n");
  }

  // A statement's markup, written for the notebooks' Markdown, left out of the page's plain
  // text: ``node.parents`` is node.parents, *derivative rule* is derivative rule (a
  // product, a * b or 2*x*y, is left as it is).
  function plain(text) {
    return text.replace(/``([^`]+)``/g, "$1")
      .replace(/(^|[^\w*])\*([^*\s][^*\n]*?)\*(?![\w*])/g, "$1$2");
  }

  // The box of the verdict on the page: `kept`'s (the chosen one's Check under way, or one that
  // ended while another was shown), else an empty one. A Check under way keeps its own box,
  // off the page while another is chosen, and what it prints goes there (never into the box
  // of the one chosen since).
  function box(kept) {
    var on = kept ? kept.box : running && running.box === output ? output.cloneNode(false) :
      output;
    if (on !== output) {
      output.replaceWith(on);
      output = on;
      shown = kept ? kept.shown : new live.Output(on);
    } else if (!kept) {
      shown.clear();
    }
  }

  // The verdict of `name`'s latest Check, from before this page was loaded (none: nothing),
  // in the empty box on the page, said to be that (before, a reload left
  // the box empty until the next Check).
  // Of code other than the editor's (a reload during a Check), said so.
  function before(name) {
    var text = storage.get(VERDICT + name);
    if (!text) return;
    var checked = storage.get(CHECKED + name), now = storage.get(CODE + name);
    shown.write("Your latest Check of this, before the page was loaded again" +
                (checked !== null && now !== null && !same(checked, now) ? ", was of " +
                 "earlier code, not the code in the editor now (press Check to grade " +
                 "that)" : "") + ":\n\n", "earlier");
    shown.write(text, "stdout");
    shown.flush();
    browserCount(output, chosen);  // (counted now: `name` is the chosen one's)
  }

  // An exercise or a stage by its number and name, as a state line names one that is not
  // on the page ("Stage 4, nll").
  function named(ex, within) {
    return (ex.track ? within ? "stage " : "Stage " : within ? "exercise " : "Exercise ") +
      ex.number + ", " + ex.name;
  }

  // The chosen one's own state beside Check, from the progress kept in this browser (never
  // the verdict of the one chosen before, nor a line about a download).
  function own() {
    var record = progress()[chosen.name], n = record ? record.attempts : 0;
    if (chosen.arrays) return "";
    if (record && record.passed) return edited(chosen.name) ? "Passed before your last " +
      "edit; Check grades your code as it is now." : "Passed in this browser; Check grades " +
      "it again.";
    if (n) return "Not passed yet: " + n + " attempt" + (n === 1 ? "" : "s") + " in this " +
      "browser.";
    return "Not checked yet.";
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

  // "Start again": asked first; the code it replaces is kept (EARLIER), and "Bring back my
  // earlier code" swaps it back in (keeping what it replaces in turn, unless that is the
  // starter), so that no code is ever lost.
  function asking(on) {
    $("ask").hidden = !on;
    $("starter").hidden = on;
  }

  function showEarlier() {
    $("earlier").hidden = chosen.arrays || storage.get(EARLIER + chosen.name) === null;
  }

  $("starter").addEventListener("click", function () {
    if (same(code.value, chosen.starter)) {
      tell("This is the starter already.");
      return;
    }
    asking(true);
    $("replace").focus();
  });
  $("keep").addEventListener("click", function () { asking(false); });
  $("replace").addEventListener("click", function () {
    storage.set(EARLIER + chosen.name, code.value);
    set(chosen.starter);
    asking(false);
    showEarlier();
    tell("The starter is back; \"Bring back my earlier code\" undoes it.");
  });
  $("earlier").addEventListener("click", function () {
    var earlier = storage.get(EARLIER + chosen.name), now = code.value;
    if (earlier === null) return;
    if (same(now, chosen.starter)) {
      try { window.localStorage.removeItem(EARLIER + chosen.name); } catch (e) { /* kept */ }
    } else {
      storage.set(EARLIER + chosen.name, now);  // (swapped: nothing typed is lost)
    }
    set(earlier);
    showEarlier();
    tell("Your earlier code is back.");
  });

  // The next step under a pass of `passed` (null: none), verdicts.js's.
  function next(passed) {
    verdicts.nextStep($("next"), passed, all, progress(), edited,
                      function () { $("download").click(); });
  }

  // A link to an exercise or a stage (exercises-live.html#node) lands on its editor, under
  // the header, at any width; where the start of its statement fits on screen above the
  // editor's first lines (EDITOR_SHOWN px), it lands on the statement's start instead, the
  // editor below it (a tester's walk found the start 752 px above the screen at 390 px; a
  // second found the editor below it once the start came first). The page has no element
  // of that id to go to.
  // The editor's lines and its buttons (Check, Stop, ...: the bar under it) come on screen
  // whole: before, the statement's start and the editor's first EDITOR_SHOWN px did, Check
  // 3 to 5 px below the fold (#nll at 390x844, #node at 1280x800: a tester's walk).
  var EDITOR_SHOWN = 160;
  function land() {
    if (!chosen.arrays && location.hash.slice(1) === chosen.name) {
      var header = document.querySelector(".md-header");
      var top = header ? header.getBoundingClientRect().bottom : 0;
      var start = $("statement").getBoundingClientRect().top;
      var editor = $("editor").getBoundingClientRect().top;
      var buttons = check.parentNode.getBoundingClientRect().bottom;
      var room = window.innerHeight - top - 8;
      var fits = editor - start + EDITOR_SHOWN <= room && buttons - start + 4 <= room;
      window.scrollBy(0, (fits ? start : editor) - top - 8);
    }
  }

  live.editor(code, function () { check.click(); });
  fillMenus();
  var linked = location.hash.slice(1);  // (opened with no #, the page stays at its top, its
  choose(linked || all[0].name);        // title first; before, it went to the editor of the
  if (linked) {                         // first exercise, its menus under the header at
    land();                             // 1280 px, the title and the menus off screen at 390)
    window.addEventListener("load", function () { setTimeout(land, 0); });
  }
  MENUS.forEach(function (m) {
    m[1].addEventListener("change", function () {
      if (m[1].value) choose(m[1].value);
      else showChoice();
    });
  });
  window.addEventListener("hashchange", function () {
    if (location.hash.slice(1) !== chosen.name) choose(location.hash.slice(1));
    land();
  });
  code.addEventListener("input", function () {
    var was = edited(chosen.name);
    storage.set(CODE + chosen.name, code.value);
    if (edited(chosen.name) === was) return;  // (edited since its pass, or back as it was:
    fillMenus();  // its mark, its state line and stage 10's panel say so)
    if (python && python.ready && !python.busy()) say(own());
    if (!$("next").hidden) next(chosen);
  });
  $("download").addEventListener("click", function () {  // answers.js writes the file
    var track = chosen.track || "";  // (the stages of microgpt: a file of their own)
    var name = track ? "my_gpt.py" : "my_answers.py";
    var text = window.tinygradAnswers.file(all, function (n) { return storage.get(CODE + n); },
                                          new Date().toISOString().slice(0, 10), name, track);
    if (text === null) {
      tell("Nothing to download yet: no answer differs from its starter.");
      return;
    }
    var link = document.body.appendChild(document.createElement("a"));
    link.href = URL.createObjectURL(new Blob([text], {type: "text/x-python"}));
    link.download = name;
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    tell("Saved " + name + ": grade it with python -m tinygrad_edu exercises check " + name +
         (track ? " " + track : "") + ", or hand it in.");
  });

  function say(text) {
    state.textContent = text;
    told = "";
  }

  // What a button did (Bring back, Start again, a download), said beside Check; said while
  // Python loads, it stays there when Python is ready, the readiness said after it (before,
  // "Your earlier code is back." was replaced at once by "Python 3.14.2 is ready.": a
  // tester's walk at 390 px).
  var told = "";
  function tell(text) {
    say(text);
    told = python && python.ready ? "" : text;
  }

  if (!live.served($("live-notice"))) {
    check.disabled = true;
    say("Serve the site to grade answers (see above).");
    return;
  }

  // The first Check in a Python prepares the grader (imports hypothesis and the grading:
  // seconds), and says so; later ones only grade.
  var warm = false;
  var PREPARING = "Preparing the grader (about 10 s, once), then grading…";
  var AGAIN = "Preparing the grader again (about 10 s: Python was started again), then " +
    "grading…";  // (before, "once", said again after every restart)
  // A Stop during the Check that prepared the grader (Python kept) forgets what it had
  // imported (playground.checked): the next Check prepares it again, in seconds (its files
  // read once already). Before, "(about 10 s, once)" again (a tester's walk).
  var RESUMED = "Preparing the grader again (a few seconds: the Check that prepared it was " +
    "stopped), then grading…";
  // "": never begun in this page; "stopped": begun in this Python, then stopped; "python":
  // begun (or warm) in a Python of this page that was started again since
  var prepared = "";
  function grading() {
    return warm ? "Grading…" : prepared === "stopped" ? RESUMED : prepared ? AGAIN : PREPARING;
  }

  var again = "";  // why Python was loaded again, while it loads: "stopped", "crashed"
  var python = new live.Python(function (what, detail) {
    if (what === "loading") {
      if (!again) say(python && python.busy() ? "Loading Python, then grading…" :
                      "Loading Python (a few seconds, once)…");
    } else if (what === "restarting") {
      again = detail;
      if (warm || prepared) prepared = "python";  // (a new Python: nothing of it imported)
      warm = false;
      say("Loading Python again…");
    } else if (what === "ready") {
      if (python.busy()) grades(grading());
      else say((told ? told + " " : "") + (again === "crashed" ? "Python " + detail.python +
          " was started again, and is ready." : "Python " + detail.python + " is ready."));
      again = "";
    } else if (what === "failed") {
      say("Python could not start: " + detail);
    }
  });
  var countdown = new live.Countdown(python, "Grading…", grades);

  // Python died in the page as it graded: where the code's own line did it, its verdict
  // (verdicts.endedPython), and true; else one plain line: what happened, what is kept, what
  // to do, and false (the page's own failure: the attempt does not count).
  function crashed(error, job, source) {
    var why = String(error.message).split("\n")[0].slice(0, 120);
    var at = verdicts.diedInCode(job.shown.text(), source);
    var text = at ? verdicts.endedPython(job.ex.name, why, at) :
      verdicts.crashed(why, job.shown.text(), source, python.crashes);
    job.shown.clear();
    job.shown.write(text, "stderr");
    return !!at;
  }

  // The verdict on screen once its grading ends (what was queued, on the page first).
  function toVerdict(name, failed) {
    shown.flush();
    shown.text();
    verdicts.toVerdict(output, name, failed);
  }

  // What the Check under way is doing, beside Check: named, where another is shown.
  function grades(text) {
    say(running && running.ex !== chosen ? named(running.ex) + ": " + text : text);
  }

  // What a grading answers: the command's exit code, and the progress file's text.
  function verdict(result) {
    return result && typeof result.code === "number" && typeof result.progress === "string";
  }

  // Where a Check ends: on its exercise's page if it is the one shown (`text` beside Check,
  // none where Python is loaded again, which says so itself); else its box, state line and
  // next step are kept for it (`held`, shown when it is chosen again), and the state line of
  // the one shown says so. Whether it ended on its own page.
  function ended(job, text, passed) {
    if (running === job) running = null;
    endedHere[job.ex.name] = true;
    if (chosen === job.ex) {
      if (text) say(text);
      if (passed) {
        next(job.ex);
        verdicts.nextInView($("next"));
      }
      return true;
    }
    text = text || "Not graded: Python in this page stopped working while it graded.";
    held[job.ex.name] = {box: job.box, shown: job.shown, state: text, passed: passed};
    say("The Check of " + named(job.ex, true) + ", ended while this one was shown: " +
        text.charAt(0).toLowerCase() + text.slice(1) + " Its verdict is kept with it: " +
        "choose it above to see it.");
    return false;
  }

  check.addEventListener("click", function () {
    if (python.busy() || chosen.arrays) return;
    var ex = chosen;
    shown.clear();
    next(null);
    asking(false);
    var job = running = {ex: ex, box: output, shown: shown};
    var print = function (text, stream, count) { job.shown.write(text, stream, count); };
    // A line's break before what is said after what the box shows, none in an empty box
    // (before, each Stop box began with an empty line: a fifth tester's walk)
    var gap = function () { return job.shown.text() ? "\n" : ""; };
    check.disabled = true;
    stop.disabled = false;
    countdown.doing = grading();
    say(python.ready ? grading() : "Loading Python, then grading…");
    countdown.start();
    var source = code.value, began = performance.now();
    var memory = null;  // (whether the progress kept a verdict of memory filled, once one)
    var died = null;  // (the same, of the code ending Python, once one: endedPython)
    python.call("check", {name: ex.name, code: source, progress: storage.get(PROGRESS) || ""},
                print, LIMIT).then(function (answer) {
      countdown.stop();
      if (!verdict(answer.result)) {  // (never seen: Python is loaded again all the same)
        python.crashed("no verdict came back");
        throw Object.assign(new Error("no verdict came back"), {crashed: true});
      }
      if (!answer.stopped) warm = true;
      else if (!warm) prepared = "stopped";  // (what it imported is forgotten: see RESUMED)
      if (answer.stopped) {  // (interrupted: nothing is recorded, the progress is as it was;
        // where the code was, after the "Stopped:" line: before, above it)
        print(gap() + "Stopped: " + answer.stopped + (answer.where ? ".\n" + answer.where : ". ") +
              "Your code is kept.\n", "stderr");
        ended(job, "Stopped.", false);
        return;
      }
      var counted = attempts(storage.get(PROGRESS), ex.name);
      var kept = storage.set(PROGRESS, answer.result.progress);
      storage.set(CHECKED + ex.name, source);
      var passed = answer.result.code === 0;
      if (!passed && attempts(answer.result.progress, ex.name) === counted) {
        kept = notPassed(ex.name);  // (refused before it was graded: not counted there)
      }
      job.shown.first("\nWhat your file printed as it ran (cut), before that verdict:\n",
                      true);
      storage.set(VERDICT + ex.name, verdicts.latest(job.shown.text(), ex.name));  // (its
      fillMenus();                                          // count: said where it is shown)
      browserCount(job.box, ex);
      if (ended(job, (passed ? "Passed" : "Not yet") + " (graded in " +
                answer.seconds.toFixed(1) + " s)" + (kept ? "." : "; this browser does not " +
                "let the page keep your progress."), passed)) toVerdict(ex.name, !passed);
    }).catch(function (error) {
      countdown.stop();
      if ((error.crashed || error.stopped) && !error.loading) prepared = "python";  // (its worker
      // ended once the grader was under way: the next Check prepares it again;
      // before, "(about 10 s, once)" after a crash where no Check had ended)
      if (error.crashed) {
        if (crashed(error, job, source)) {  // (a verdict: not yet, counted, as on the
          died = notPassed(ex.name);        // command line)
          storage.set(CHECKED + ex.name, source);
          storage.set(VERDICT + ex.name, verdicts.latest(job.shown.text(), ex.name));
          fillMenus();
        }
      } else if (error.unanswered && live.filled(error.memory) && !live.reachesJs(source)) {
        print(gap() + verdicts.outOfMemory(ex.name, error.memory,
              error.unanswered) + "\n", "stderr");
        memory = notPassed(ex.name);  // (a verdict: not yet, counted)
        storage.set(CHECKED + ex.name, source);
        storage.set(VERDICT + ex.name, verdicts.latest(job.shown.text(), ex.name));
        fillMenus();
      } else if (error.unanswered) {
        print(gap() + verdicts.unanswered(error.unanswered, source) + "\n", "stderr");
      } else if (error.stopped && error.loading) {  // (nothing of the learner's had run)
        print(gap() + "Stopped while Python was loading: none of your code ran, and your code is " +
              "kept. Press Check to grade it.\n", "stderr");
      } else if (error.stopped && !warm && !error.timed) {  // (in the grader's imports: none
        print(gap() + "Stopped: " + error.message + ", while the grader was being prepared, " +
              "before any of your code ran. Python was started again; your code is kept. " +
              "Press Check to grade it.\n", "stderr");  // of the learner's code had run)
      } else if (error.stopped && error.unread) {  // (a loop in JavaScript)
        print(gap() + "Stopped: " + error.message + live.neverGaveBack(source, error.memory) +
              ". Python was " +
              "started again; your code is kept.\n", "stderr");
      } else {
        var flood = !error.heard && (error.printed || job.shown.told !== null);  // (D9)
        var file = error.stopped && flood && !error.printed;  // (the file's own: said first,
        if (file) print("\n", "ran");  // what it printed cut under it, as a verdict after one)
        print((file ? "" : gap()) + (error.stopped ? "Stopped: " + error.message + (flood ?
              verdicts.printedTooMuch(error.printed) : !error.heard ?
              ". A solution that loops forever is the usual cause. " : error.where ? ".\n" +
              error.where : ". ") + "Python was started again; your code is kept." +
              (python.interrupt ? "" : " " + verdicts.UNINTERRUPTED) : error.message) + "\n",
              "stderr");
        if (file) job.shown.first("\nWhat your file printed as it ran (cut):\n", true);
      }
      job.shown.flush();
      if (memory !== null || died !== null) {
        var kept = memory !== null ? memory : died;
        if (ended(job, "Not yet (graded in " + ((performance.now() - began) / 1000)
            .toFixed(1) + " s): your code " + (memory !== null ? "used more memory than this " +
            "page's Python has" : "ended the Python it was graded in") +
            (kept ? "." : "; this browser does not let the page keep your progress."),
            false)) toVerdict(ex.name, true);
        return;
      }
      ended(job, error.crashed ? "" : "Stopped.", false);
    }).then(function () {
      job.shown.flush();
      check.disabled = false;
      stop.disabled = true;
    });
  });
  // While the first Check prepares the grader (its imports: none of the learner's code has
  // run), Python keeps a Stop until the imports end, seconds later, more on a busy machine:
  // it is given PREPARING_S for that, and stays loaded, rather than GRACE_S, after which its
  // worker was ended ("it did not stop when interrupted") and Python loaded again.
  var PREPARING_S = 30;
  // Why a Stop stopped it, after "Stopped: " (before, "Stopped: stopped with the Stop
  // button.", stopped twice: a tester's walk)
  var PRESSED = "you pressed Stop";
  stop.addEventListener("click", function () {
    if (!warm && python.ready && python.busy() && !python.begun() && python.interrupt) {
      countdown.stop();
      grades("Stopping once the grader is prepared (a few seconds)…");
      python.stop(PRESSED, PREPARING_S);
      return;
    }
    python.stop(PRESSED);
  });
})();
