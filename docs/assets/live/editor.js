// A plain editor for Python: a textarea where Tab indents (the selected lines, or four
// spaces at the caret), Shift-Tab dedents, Enter keeps the line's indent (one more after a
// colon), Ctrl-Enter (or Cmd-Enter) calls `run`, and Esc lets the next Tab leave the editor
// as Tab normally does. The editor grows with the code; a page that sets the code itself
// sends an "input" event.
(function () {
  "use strict";
  var INDENT = "    ";

  function editor(area, run) {
    var escaped = false;

    function fit() {  // as many rows as the code has lines, 8 to 32
      area.rows = Math.max(8, Math.min(32, area.value.split("\n").length + 1));
    }
    area.addEventListener("input", fit);
    fit();

    function lineStart(text, at) { return text.lastIndexOf("\n", at - 1) + 1; }

    function replace(start, end, text, selStart, selEnd) {
      area.setRangeText(text, start, end, "end");
      area.setSelectionRange(selStart, selEnd);
      area.dispatchEvent(new Event("input"));
    }

    function indent(out) {
      var text = area.value, start = area.selectionStart, end = area.selectionEnd;
      if (!out && start === end) {  // at the caret: up to the next multiple of four
        var column = start - lineStart(text, start);
        var pad = INDENT.slice(column % INDENT.length);
        replace(start, end, pad, start + pad.length, start + pad.length);
        return;
      }
      var first = lineStart(text, start);
      var last = end > start && text[end - 1] === "\n" ? end - 1 : end;
      var lines = text.slice(first, last).split("\n");
      var moved = 0, firstMoved = 0;
      lines = lines.map(function (line, i) {
        var change;
        if (out) {
          var spaces = /^ */.exec(line)[0].length;
          change = -Math.min(spaces, INDENT.length);
          line = line.slice(-change);
        } else {
          change = line ? INDENT.length : 0;
          line = (line ? INDENT : "") + line;
        }
        if (i === 0) firstMoved = change;
        moved += change;
        return line;
      });
      replace(first, last, lines.join("\n"), Math.max(first, start + firstMoved),
              end + moved);
    }

    area.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { escaped = true; return; }
      if (e.key === "Tab" && !escaped && !e.ctrlKey && !e.altKey && !e.metaKey) {
        e.preventDefault();
        indent(e.shiftKey);
      } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        run();
      } else if (e.key === "Enter" && !e.shiftKey && !e.altKey) {
        var text = area.value, start = area.selectionStart;
        var line = text.slice(lineStart(text, start), start);
        var pad = /^ */.exec(line)[0] + (/:\s*$/.test(line) ? INDENT : "");
        e.preventDefault();
        replace(start, area.selectionEnd, "\n" + pad, start + 1 + pad.length,
                start + 1 + pad.length);
      }
      if (e.key !== "Shift") escaped = false;
    });
  }

  window.tinygradLive = window.tinygradLive || {};
  window.tinygradLive.editor = editor;
})();
