// What the exercises page (exercises.js) shows once a Check ends: the verdict brought on
// screen, the next step under a pass, and a grading that ended without a verdict (Python
// that died in the page, code that never gave control back) told in plain words.
(function () {
  "use strict";
  var live = window.tinygradLive;

  // The next step, under a verdict that passed (`passed`, an exercise or stage of `all`, in
  // the box `box`; null: none shown): the next stage (or exercise) of its menu, a link;
  // after the last stage, what to do with the whole GPT. `record` is the progress
  // ({name: {attempts, passed}}), `edited(name)` whether a pass was edited since, and
  // `download()` saves the answers.
  function nextStep(box, passed, all, record, edited, download) {
    box.textContent = "";
    box.hidden = !passed;
    if (!passed) return;
    var say = function (tag, text, parent) {
      var el = (parent || box).appendChild(document.createElement(tag));
      el.textContent = text;
      return el;
    };
    var link = function (parent, text, href) {
      var a = parent.appendChild(document.createElement("a"));
      a.textContent = text;
      a.href = href;
      return a;
    };
    var same = all.filter(function (ex) { return (ex.track || "") === (passed.track || "") &&
                                                 !ex.arrays; });
    var rest = same.slice(same.indexOf(passed) + 1);
    var open = function (ex) { return !(record[ex.name] && record[ex.name].passed); };
    // (a stage: the next not passed yet, where stage 2 passed before stage 1 did; a
    // learner's walk found "Next: stage 2" offered for a stage passed already)
    var after = passed.track ? rest.filter(open)[0] : rest[0];
    if (after) {
      var p = say("p", "Next: ");
      link(p, (after.track ? "stage " : "exercise ") + after.number + ", " + after.title,
           "#" + after.name);
      return;
    }
    if (!passed.track) {
      say("p", "That was the last exercise graded here. Next: the ten stages of Build " +
          "microgpt yourself, from stage 1 in the menu above.");
      return;
    }
    var left = same.filter(open);
    var last = rest.length ? "" : "That was the last stage. ";
    var changed = same.filter(function (ex) { return edited(ex.name); });
    var stages = function (list) {  // "s 1, 2 and 9", " 9"
      return (list.length > 1 ? "s " : " ") + list.map(function (ex) { return ex.number; })
        .join(", ").replace(/, (\d+)$/, " and $1");
    };
    if (left.length) {  // (the stages still to pass, the first a link)
      var todo = say("p", last + "Not passed yet in this browser: stage" +
                     stages(left) + ". Next: ");
      link(todo, "stage " + left[0].number + ", " + left[0].title, "#" + left[0].name);
      say("span", ".", todo);
    }
    if (changed.length) {  // (passed, then edited: the download holds code not graded)
      say("p", (left.length ? "" : last) + "Edited since its Check " +
          "passed: stage" + stages(changed) + "; Check again to grade the code as it is now.");
      left = left.concat(changed);
    }
    say("p", (left.length ? "" : last) + (left.length ? "Once all " +
        same.length + " pass, your GPT is whole" : "All " + same.length + " pass: your GPT " +
        "is whole") + "; next, on your machine:");
    // the download here, beside its step (at 390 px the page's own button was screens up)
    var save = say("button", "Download my answers");
    save.type = "button";
    save.className = "md-button";
    save.addEventListener("click", download);
    // (each comment on a line of its own: at 390 px a comment beside its command wrapped
    // into the next command)
    say("pre", "# 0. once: tinygrad_edu on your machine. In a clone of its repository,\n" +
        "# the README's first command sets up .venv/ (then trains a small demo):\n" +
        "./run.sh demo\n" +
        "source .venv/bin/activate\n" +
        "# 1. Download my answers (the button above): your stages, saved as my_gpt.py\n" +
        "# 2. the same verdicts, on your machine:\n" +
        "python -m tinygrad_edu exercises check my_gpt.py microgpt\n" +
        "# 3. train it (300 steps: it takes minutes, about 5); then it makes up names:\n" +
        "python -m tinygrad_edu exercises train my_gpt.py");
    var p2 = say("p", "Then the guide's next step: ");
    link(p2, "watch it learn, then your Value against PyTorch",
         "guides/microgpt.html#watch-it-learn");
    say("span", ".", p2);
  }

  // The next step `box`, shown under a pass, brought whole into the window where its end is
  // below it, scrolled as little as that takes and never past its top (under the header):
  // after stage 10 its closing box (the download, the commands, the guide's next page) ran
  // below the fold at 1280x800, its bottom at y = 938 (a tester's walk).
  function nextInView(box) {
    if (box.hidden) return;
    var r = box.getBoundingClientRect(), header = document.querySelector(".md-header");
    var top = header ? header.getBoundingClientRect().bottom : 0;
    var by = Math.min(r.bottom + 8 - innerHeight, r.top - top - 8);
    if (r.bottom > innerHeight && by > 0) window.scrollBy(0, by);
  }

  // The verdict comes after what the code printed; where that was cut (a flood), the verdict
  // is moved before it (shown.first), as the command line shows it first. Otherwise, once the
  // grading ends, the output box `output` (all its text on the page) is scrolled to the
  // verdict's first line ("✗ NAME" or "✓ NAME" at a line's start, the last one), so that
  // lines the code printed above it do not hide it (issue 66: the learner scrolled past 2,000
  // lines to find it). Nothing moves if it is in view already.
  function toVerdict(output, name, failed) {
    tables(output);
    var text = output.textContent, at = -1;
    ["✗ " + name, "✓ " + name].forEach(function (mark) {
      var i = text.lastIndexOf(mark);
      while (i > 0 && text[i - 1] !== "\n") i = text.lastIndexOf(mark, i - 1);
      at = Math.max(at, i);
    });
    if (at < 0) return;
    var line = charRect(output, at), box = output.getBoundingClientRect();
    if (line.top < box.top || line.bottom > box.bottom) output.scrollTop += line.top - box.top - 4;
    if (failed) onScreen(output, text, at);
  }

  // A verdict's text to keep for after a reload, from `text` (the box's): from its first
  // line on (what the code printed before it left out), at most KEPT_CHARS of it.
  var KEPT_CHARS = 20000;
  function latest(text, name) {
    var at = Math.max.apply(null, ["✗ " + name, "✓ " + name].map(function (mark) {
      var i = text.lastIndexOf(mark);
      while (i > 0 && text[i - 1] !== "\n") i = text.lastIndexOf(mark, i - 1);
      return i;
    }));
    return text.slice(Math.max(at, 0), Math.max(at, 0) + KEPT_CHARS);
  }

  // Where the character `at` of the box `output`'s text is on the page (the box's text in
  // text nodes of its spans: a table's, tables(), one of them).
  function charRect(output, at) {
    var walker = document.createTreeWalker(output, NodeFilter.SHOW_TEXT), n = 0, node;
    while ((node = walker.nextNode())) {
      if (at < n + node.length) {
        var range = document.createRange();
        range.setStart(node, at - n);
        range.setEnd(node, at - n + 1);
        return range.getBoundingClientRect();
      }
      n += node.length;
    }
    return output.getBoundingClientRect();
  }

  // A verdict that did not pass, on screen once its grading ends (before, at 1280
  // and 390 px it began at the fold, its diagnosis below): its first line and what names
  // its cause (``cause``), in the box and in the window, scrolled as little as that takes;
  // where both do not fit, its first line, at the top of the box and under the header, and
  // what follows it (the failing input) as far as the box goes. Before, the cause came
  // first there: at 390 px a long verdict (block's, 1416 px) was scrolled in its box past
  // its first line and its failing input (a tester's walk).
  function onScreen(output, text, at) {
    var end = cause(text, at);
    var box = output.getBoundingClientRect(), last = charRect(output, end);
    var first = charRect(output, at);
    var both = last.bottom - first.top + 8 <= output.clientHeight;
    if (!both) output.scrollTop += first.top - box.top - 4;
    else if (last.bottom > box.bottom) output.scrollTop += last.bottom - box.bottom + 4;
    box = output.getBoundingClientRect();
    last = charRect(output, end);
    first = charRect(output, at);
    var header = document.querySelector(".md-header");
    var from = Math.max(first.top, box.top) - 4, to = Math.min(last.bottom, box.bottom) + 4;
    var high = header ? header.getBoundingClientRect().bottom : 0;
    var by = to - from > innerHeight - high ? from - high : to > innerHeight ?
      to - innerHeight : from < high ? from - high : 0;
    if (by) window.scrollBy(0, by);
  }

  // The verdict's tables of expected against got (tinygrad_edu.exercises.verdicts: a
  // header line, "expected  got", then a row a line, its columns lined up with spaces), in
  // `output`, each put in an element of its own (class "table", extra.css) that keeps its
  // lines whole and scrolls sideways where it is wider than the box; the rest wraps at the
  // box's width. Before, at 390 px a row wrapped, its "got" under its name (a tester's
  // walk). The text is the same, character for character.
  var HEADER = /^ +expected {2,}got *\n?$/, GAP = /\S {2,}\S/;
  function tables(output) {
    Array.prototype.slice.call(output.childNodes).forEach(function (span) {
      if (span.nodeType !== 1 || span.className !== "stdout" || span.children.length) return;
      var lines = span.textContent.split(/(?<=\n)/), out = [], table = null, indent = -1;
      lines.forEach(function (line) {
        var lead = line.length - line.replace(/^ +/, "").length;
        if (table && GAP.test(line) && (indent < 0 ? lead < table[0].length - table[0]
            .replace(/^ +/, "").length : lead === indent)) {
          if (indent < 0) indent = lead;
          table.push(line);
          return;
        }
        if (table) out.push(table);
        table = null;
        if (HEADER.test(line) && /\n$/.test(line)) {
          table = [line];
          indent = -1;
        } else {
          out.push(line);
        }
      });
      if (table) out.push(table);
      if (!out.some(function (piece) { return typeof piece !== "string" && piece.length > 1; }))
        return;
      span.textContent = "";
      var text = "";
      var put = function () {
        if (text) span.appendChild(document.createTextNode(text));
        text = "";
      };
      out.forEach(function (piece) {
        if (typeof piece === "string") {
          text += piece;
        } else if (piece.length < 2) {
          text += piece.join("");
        } else {
          put();
          var block = span.appendChild(document.createElement("span"));
          block.className = "table";
          block.textContent = piece.join("");
        }
      });
      put();
    });
  }

  // Where what names a verdict's cause ends, in `text` (the verdict's first line at `at`):
  // its first diagnosis and the line under it (where in the learner's code); else its "No
  // common mistake matches" line; else the first line that names the learner's line (a
  // cause said in words, linear's "holds the number 0 ... in your answer, line 5", or the
  // grader's own code failing "as your code at your answer, line 2 (del ...) deleted the
  // builtin isinstance ... Take that line out": before, only its first line
  // was brought on screen); else its first line (before, only a diagnosis was). A
  // recursion's: its explanation, to its end ("... Write it as self + other.": before, it
  // stood below the fold at 1280 and 390 px, a tester's walk, issue 66), which comes
  // after the line of the learner's code.
  function cause(text, at) {
    var stop = text.indexOf("\n\n", at), upTo = function (i) {
      return i >= 0 && (stop < 0 || i < stop) ? i : -1;
    };
    var lineEnd = function (i) {
      var e = text.indexOf("\n", i + 1);
      return Math.max((e < 0 ? text.length : e) - 1, i + 1);
    };
    var d = text.indexOf("\n  diagnosis", at);  // (the others: within the verdict)
    if (d >= 0) return lineEnd(text.indexOf("\n", d + 1));
    var none = upTo(text.indexOf("\n  No common mistake", at));
    if (none >= 0) return lineEnd(none);
    var deep = upTo(text.indexOf("Recursion deeper than ", at));
    if (deep >= 0) return lineEnd(deep);
    var where = ["in your answer, line ", "at your answer, line "].map(function (said) {
      return upTo(text.indexOf(said, at));
    }).filter(function (i) { return i >= 0; });
    return where.length ? lineEnd(Math.min.apply(null, where)) : at;
  }

  // Python died in the page while it graded, at a line of the learner's code that is not
  // one letting go of what it held (`at`, live.diedAt's; null: none such): the code ended
  // the Python it was graded in, as on the command line it ends the process it is graded in
  // ("✗ NAME: grading it, it ended the process it was graded in (signal 11)"), a verdict
  // like that one: `name`, the exercise; `why`, the error's first line. Before, "this attempt
  // does not count" and the stage's earlier pass kept, where the command line failed the
  // same code (a tester's walk: map() nested a million deep, then next()).
  function endedPython(name, why, at) {
    return "✗ " + name + ": grading it, your code ended the Python it was graded in, at " +
      "your answer, line " + at.line + " (" + at.text + "): " + why + ". Code nested deeper " +
      "than the stack has room for, in calls Python's recursion limit does not see (map(), " +
      "a generator or a built-in function nested thousands deep), ends Python itself, here " +
      "and on your machine (python -m tinygrad_edu exercises check: \"it ended the process " +
      "it was graded in\"). Run it by hand on the exercise's worked example to see what " +
      "stops it. Python is loaded again, and your code is kept.\n";
  }

  // Whether Python's death in the page (its printed stack, `printed`; the code, `source`)
  // was the learner's code's doing: where the stack names a line of it (live.diedAt) that is
  // not one letting go of what the code held, and Python did not die freeing what the code
  // kept (both the page's own limit: a computer frees such a chain): that line; else null.
  function diedInCode(printed, source) {
    var at = live.diedAt(printed, "your answer", source);
    return at && !at.freeing && !live.diedFreeingKept(printed) ? at : null;
  }

  // Python died in the page while it graded (`why`: its error's first line; `printed`: what
  // the box held; `source`: the code graded; `crashes`: how many times it died in this page),
  // not of the learner's code's doing (`diedInCode`: the verdict `endedPython` is for that):
  // one plain line, what happened, what is kept, what to do.
  function crashed(why, printed, source, crashes) {
    var at = live.diedAt(printed, "your answer", source);
    var kept = !at && live.diedFreeingKept(printed);
    if (((at && at.freeing) || kept) && /call stack/.test(why)) {
      return "Python in this page stopped working " + (kept ? "after your code " +
            "ran: the browser's stack overflowed (" + why + ") as Python freed what your " +
            "code kept to its end" : "at line " + at.line + " of your code (" + at.text +
            "): the browser's stack overflowed (" + why + ") as Python freed what that " +
            "line let go of") + ", most likely a long chain of objects each holding the " +
            "one before" + live.CHAIN_FREED + ". Your machine grades this file as it is " +
            "(python -m tinygrad_edu exercises check FILE); here, put your own tests under " +
            "if __name__ == \"__main__\": (the grader does not run them), or " +
            live.STEP_BY_STEP + ". Python is loaded again, your code is kept, and this " +
            "attempt does not count.\n";
    }
    return "Python in this page stopped working " + (at ? "at line " + at.line +
          " of your code " : "") + "while it graded (" + why + "): it is loaded " +
          "again, your code is kept, and this attempt does not count. Press Check to grade " +
          "it again" + (crashes > 1 ? ", or if it stops again, grade it on your " +
          "machine (python -m tinygrad_edu exercises check FILE)" : "") + ".\n";
  }

  // The worker ended because the code never gave Python control back after its time was up
  // (live.js: the signal went unread), saying why at the likely line (live.unreadWhy).
  function unanswered(time, source) {
    return "Stopped: your code did not give control back within " + time.after + " s (the " +
      time.limit + " s limit, then " + (time.after - time.limit) + " s more): " +
      live.unreadWhy(source) + ", so the page ended it and started Python again. Your code " +
      "is kept, and this attempt does not count.";
  }

  // The verdict where the code filled the memory Python has and then never gave it control
  // back (live.js waited MEMORY_GRACE_S more for Python's MemoryError, said at its line
  // where it comes): `name`, the exercise; `memory`, worker.js's report; `time`, as for
  // `unanswered`. Before, "a loop in JavaScript called from Python ... cannot be stopped
  // from Python", for a list of bytearrays grown without end (a tester's walk).
  function outOfMemory(name, memory, time) {
    var gb = function (bytes) { return (bytes / Math.pow(2, 30)).toFixed(1) + " GB"; };
    return "✗ " + name + ": not yet: your code used more memory than this page's Python " +
      "has (it took " + gb(memory.bytes) + " of the " + gb(memory.most) + " there is), and " +
      "did not give control back within " + time.after + " s (the " + time.limit + " s " +
      "limit, then " + (time.after - time.limit) + " s more), so the page ended it and " +
      "started Python again. A list that grows without end, or one far too big? Keep only " +
      "what your code needs (python -m tinygrad_edu exercises check on your machine names " +
      "the line that ran out of memory). Your code is kept.";
  }

  // What a Check ended by its time limit was printing (live.js's error.printed: a call's
  // flood, which the grader keeps for its verdict; null: a flood of the file's top level,
  // shown above as it came), said where the page could only end Python (a server that does
  // not isolate it), in place of "A solution that loops forever is the usual cause": the
  // code printed too much, and what it printed, cut as a verdict cuts it (its first lines,
  // at most 12 and 600 characters, and its last 3). Before, a print in a loop was said to
  // loop forever, and nothing it printed was shown (a tester's walk). A last line cut short
  // (print's end not yet written) is shown on a line of its own, and is no line not shown:
  // before, "debug Python was started again", and the count one short (a fifth tester's).
  function printedTooMuch(printed) {
    var advice = " Printing that much takes the time: take the print out of the loop, or " +
      "print less. ";
    if (!printed) return ". Your file was printing all the while (what it printed is " +
      "below, cut)." + advice;
    var lines = printed.head.split(/(?<=\n)/).filter(Boolean), head = [], used = 0;
    for (var i = 0; i < lines.length && head.length < 12; i++) {
      if (!/\n$/.test(lines[i]) || head.length && used + lines[i].length > 600) break;
      head.push(lines[i]);
      used += lines[i].length;
    }
    var end = printed.end.split(/(?<=\n)/).filter(Boolean).slice(1);
    var tail = end.slice(-3), whole = tail.filter(function (line) { return /\n$/.test(line); });
    var hidden = printed.lines - head.length - whole.length;
    var n = function (x) { return x.toLocaleString("en"); };
    return ". Your code was printing all the while: it had printed " + n(printed.lines) +
      " lines by then (" + n(printed.chars) + " characters)." + advice + "What it printed " +
      "(cut):\n" + head.join("") + (hidden > 0 ? "… " + n(hidden) + " more line" +
      (hidden === 1 ? "" : "s") + " not shown …\n" : "") + tail.join("") +
      (whole.length < tail.length ? "\n" : "");
  }

  // Where the server does not isolate the page (no shared memory), a stop ends Python's
  // worker: nothing is left to say where the code was.
  var UNINTERRUPTED = "This server does not isolate the page (it sends no " +
    "Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers), so Python could " +
    "not be interrupted to say which line it was on, only ended. Served by ./run.sh docs " +
    "--serve (or with those headers), the page names the line; so does python -m " +
    "tinygrad_edu exercises check on your machine.";

  window.tinygradVerdicts = {nextStep: nextStep, nextInView: nextInView, toVerdict: toVerdict,
                             latest: latest, crashed: crashed, unanswered: unanswered,
                             endedPython: endedPython, diedInCode: diedInCode,
                             outOfMemory: outOfMemory, printedTooMuch: printedTooMuch,
                             UNINTERRUPTED: UNINTERRUPTED};
})();
