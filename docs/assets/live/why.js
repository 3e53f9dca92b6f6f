// Why code ended as it did, in the words the live pages say it (the exercises, through
// verdicts.js and exercises.js, and the playground): where Python was when it died in the
// page (Pyodide's fatal error prints Python's stack), whether it died freeing what the code
// kept, and, for code that never gave Python control back to be stopped, the line that
// most likely kept it (one that reaches JavaScript, or one that computes with a huge
// number). Each reads only the text it is given (what Python printed, the code); it is
// loaded after live.js, into the same window.tinygradLive.
(function () {
  "use strict";
  var ns = window.tinygradLive = window.tinygradLive || {};

  // Where the code was when Python died (Pyodide's fatal error prints Python's stack, most
  // recent call first, before it fails): the innermost line of the file named `file`, that
  // line of `source` (trimmed), and whether it is that line's own work that overflowed, with
  // no call under it, where the line lets go of something (`del y`, `y = None`, a loop's
  // name rebound): Python then freed what it held, node inside node (a Value's long chain).
  // Null where the stack names no line of the file.
  function diedAt(printed, file, source) {
    var mark = printed.lastIndexOf("Stack (most recent call first):");
    if (mark < 0) return null;
    var stack = printed.slice(mark);
    var frames = stack.split("\n").filter(function (line) { return /^\s*File "/.test(line); });
    for (var i = 0; i < frames.length; i++) {
      var found = /File "(?:[^"]*\/)?([^"/]*)", line (\d+) in /.exec(frames[i]);
      if (!found || found[1] !== file) continue;
      var line = Number(found[2]);
      var text = (source.split("\n")[line - 1] || "").trim();
      var bare = text.replace(/\s+#.*$/, "");  // (its comment left out, where no string is)
      if (!/["']/.test(bare)) text = bare;
      return {line: line, text: text, freeing: i === 0 &&
              /^(del\s|[\w.]+\s*=[^=]|for\s)/.test(text)};
    }
    return null;
  }

  // Whether Python died freeing what the code kept to its end (its innermost frame is
  // page_python.let_go, which empties the code's names once it has run): a long chain the
  // code still held, freed node inside node, as a line that lets go of it would.
  function diedFreeingKept(printed) {
    var mark = printed.lastIndexOf("Stack (most recent call first):");
    var first = mark < 0 ? null
      : /^\s*File "[^"]*", line \d+ in (\w+)/m.exec(printed.slice(mark));
    return Boolean(first && first[1] === "let_go" && /page_python\.py"/.test(first[0]));
  }

  // What to do about a chain that overflowed the browser's stack as it was freed, said
  // after "most likely a long chain of objects each holding the one before".
  var CHAIN_FREED = " (a list inside a list, thousands deep, or a Value's chain). Python frees " +
    "such a chain node inside node, and a browser's stack is much smaller than a computer's";
  var STEP_BY_STEP = "let go of the chain from its head a step at a time (a list inside a " +
    "list: while a: a = a[0]; a Value: while y._children: y = y._children[0])";

  // The line of `source` that reaches JavaScript ({line, text}), where one does: a call of
  // js's (js.eval), else a line naming js or pyodide (an import left out); else null.
  function reachesJs(source) {
    var lines = source.split("\n"), at = -1;
    [/\bjs\s*\.\s*\w+\s*\(|\.\s*eval\s*\(/, /\bjs\b|pyodide/].some(function (pattern) {
      at = lines.findIndex(function (line) {
        return pattern.test(line.replace(/#.*$/, "")) && !/^\s*(import|from)\s/.test(line);
      });
      return at >= 0;
    });
    return at >= 0 ? {line: at + 1, text: lines[at].trim()} : null;
  }

  // The one line of `source` (outside comments) with a number of 10 million or more
  // (10 ** 12, 10_000_000, 1e9), {line, text}; null where none does, or more than one.
  function hugeAt(source) {
    var found = [];
    source.split("\n").forEach(function (line, i) {
      var bare = line.replace(/#.*$/, "");
      if (/\b10\s*\*\*\s*(?:[7-9]|\d\d)|\b[1-9][\d_]{7,}\b|\b\d+(?:\.\d*)?e\+?(?:[7-9]|\d\d)\b/i
          .test(bare)) found.push({line: i + 1, text: (/["']/.test(bare) ? line : bare).trim()});
    });
    return found.length === 1 ? found[0] : null;
  }

  // Why code that never gave Python control back could not be stopped from Python, for a
  // page to say before "so the page ended it": at the line that reaches JavaScript
  // (`reachesJs`: the usual cause, as js.eval('while (true) {}')), else where
  // one line alone computes with a huge number (`hugeAt`: before, sum(range(10 **
  // 12)) at the top level was told no line), at that line as the likely one.
  function unreadWhy(source) {
    var at = reachesJs(source), huge = !at && hugeAt(source);
    if (at) {
      return "it reaches JavaScript at line " + at.line + " (" + at.text + "), and a loop " +
        "in JavaScript called from Python (js.eval) cannot be stopped from Python";
    }
    return huge ? "most likely line " + huge.line + " (" + huge.text + "): one call of a " +
      "built-in function on a huge input runs outside Python's own loop, and cannot be " +
      "stopped from Python" : "one step that runs outside Python's own loop (a loop in " +
      "JavaScript called from Python, js.eval, or one call of a built-in function on a " +
      "huge input) cannot be stopped from Python";
  }

  // What the exercises and the playground say after "Stopped: <why it stopped>" where the
  // code never read the interrupt (error.unread: a loop in JavaScript).
  // With `memory` (worker.js's report) that says the code filled the memory, and no line
  // that reaches JavaScript, that instead (before, a list grown without end was told "a
  // loop in JavaScript called from Python").
  function neverGaveBack(source, memory) {
    if (ns.filled && ns.filled(memory) && !reachesJs(source)) {
      return ", and your code, which had filled the memory this page's Python has (a list " +
        "that grows without end, or one far too big?), never gave Python control back to " +
        "be interrupted, so the page ended it";
    }
    return ", and your code never gave Python control back to be interrupted: " +
      unreadWhy(source) + ", so the page ended it";
  }

  ns.unreadWhy = unreadWhy;
  ns.reachesJs = reachesJs;
  ns.neverGaveBack = neverGaveBack;
  ns.diedAt = diedAt;
  ns.diedFreeingKept = diedFreeingKept;
  ns.CHAIN_FREED = CHAIN_FREED;
  ns.STEP_BY_STEP = STEP_BY_STEP;
})();
