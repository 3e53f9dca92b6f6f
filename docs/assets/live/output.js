// What the live pages show of what Python printed (live.js's Python sends it in batches):
// an Output keeps its first HEAD_CHARS and its last TAIL_CHARS, with how much was left out
// between, so that no flood freezes the page, and, once a run has ended, shortens a flood
// to its first and last lines under what the run came to. Nothing here turns text into
// HTML: what Python prints is text.
(function () {
  "use strict";
  var ns = window.tinygradLive = window.tinygradLive || {};

  // What Python printed, in a <pre>: its first HEAD_CHARS as they came, then, past them, a
  // line saying how much is not shown and the last TAIL_CHARS (a flood's latest lines).
  // `show(box, text, stream)` appends a piece of text (playground.js breaks the chain
  // rule's lines between their clauses).
  var HEAD_CHARS = 200000, TAIL_CHARS = 20000;
  var TAIL_EVERY_MS = 250;  // the tail is shown again at most this often, as plain text

  function plain(box, text, stream) {
    var span = box.appendChild(document.createElement("span"));
    span.className = stream;
    span.textContent = text;
  }

  // `follow`: keep the end in view as text arrives (unless the reader has scrolled up).
  function Output(box, show, follow) {
    this.box = box;
    this.show = show || plain;
    this.follow = !!follow;
    this.clear();
  }

  // Run `change`, then scroll to the end if the box was at its end before (and follows).
  Output.prototype.keepingEnd = function (change) {
    var box = this.box;
    var atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 4;
    change();
    if (this.follow && atEnd) box.scrollTop = box.scrollHeight;
  };

  Output.prototype.clear = function () {
    this.box.textContent = "";
    this.shown = 0;  // characters of the head
    this.skipped = 0;  // characters left out between the head and the tail
    this.tail = [];  // [stream, text] pieces, at most TAIL_CHARS together
    this.tailChars = 0;
    this.cut = null;  // the element that holds the line about the cut and the tail
    this.told = null;  // the element that holds Python's line about a cut ("cut")
    this.ran = null;  // the element that marks the end of a cut output ("ran")
    clearTimeout(this.pending);
    this.pending = null;
    this.queued = [];  // [stream, text] pieces of the head not yet on the page
    cancelAnimationFrame(this.painting);
    this.painting = null;
  };

  // Text of the head, put on the page once per frame: a message per line printed (2,000
  // lines before a flood is cut, tinygrad_edu.viz.printing) must not lay the page out 2,000
  // times.
  Output.prototype.queue = function (text, stream) {
    var self = this, last = this.queued[this.queued.length - 1];
    if (last && last[0] === stream) last[1] += text;
    else this.queued.push([stream, text]);
    if (this.painting === null) {
      this.painting = requestAnimationFrame(function () { self.paint(); });
    }
  };

  Output.prototype.paint = function () {
    var self = this, queued = this.queued;
    cancelAnimationFrame(this.painting);
    this.painting = null;
    this.queued = [];
    if (!queued.length) return;
    this.keepingEnd(function () {
      queued.forEach(function (piece) { self.show(self.box, piece[1], piece[0]); });
    });
  };

  // Write `text` of `stream` ("stdout", "stderr"; "dropped": `count` characters the worker
  // left out of a flood, before the text that follows; "cut": Python's line about the lines
  // it cut, tinygrad_edu.viz.printing, which replaces the one before it; "ran": where such a
  // cut output ended, marked with an empty element for `first`).
  Output.prototype.write = function (text, stream, count) {
    if (stream === "ran") {
      this.flush();
      this.ran = this.box.appendChild(document.createElement("span"));
      return;
    }
    if (stream === "cut") {  // Python's line about a flood it cut (replacing the one before)
      var self = this;
      this.paint();
      this.keepingEnd(function () {
        if (self.told === null) self.told = self.box.appendChild(document.createElement("span"));
        self.told.className = "cut";
        self.told.textContent = text;
      });
      return;
    }
    if (stream === "dropped") {
      this.shown = HEAD_CHARS;  // the head ends where text went missing
      this.skipped += count;
      this.render();
      return;
    }
    if (this.shown < HEAD_CHARS) {
      var now = text.slice(0, HEAD_CHARS - this.shown);
      this.queue(now, stream);
      this.shown += now.length;
      text = text.slice(now.length);
      if (!text) return;
    }
    var last = this.tail[this.tail.length - 1];
    if (last && last[0] === stream) last[1] += text;
    else this.tail.push([stream, text]);
    this.tailChars += text.length;
    while (this.tailChars > TAIL_CHARS) {
      var first = this.tail[0], over = Math.min(this.tailChars - TAIL_CHARS, first[1].length);
      if (over === first[1].length) this.tail.shift();
      else first[1] = first[1].slice(over);
      this.tailChars -= over;
      this.skipped += over;
    }
    this.render();
  };

  // The line about the cut and the tail, shown again at most every TAIL_EVERY_MS (a flood
  // sends a batch every 50 ms: the page keeps time to answer its reader).
  Output.prototype.render = function () {
    var self = this;
    if (this.pending !== null) return;
    this.pending = setTimeout(function () { self.flush(); },
                              this.cut === null ? 0 : TAIL_EVERY_MS);
  };

  // Show the cut and the tail now (a run has ended: what it printed last is shown at once).
  Output.prototype.flush = function () {
    var self = this;
    this.paint();
    clearTimeout(this.pending);
    this.pending = null;
    if (!this.skipped && !this.tail.length) return;
    this.keepingEnd(function () {
      if (self.cut === null) self.cut = self.box.appendChild(document.createElement("span"));
      self.cut.textContent = "";
      if (self.skipped) {
        plain(self.cut, "\n… " + self.skipped.toLocaleString("en") + " characters not " +
              "shown (the output is too long: its beginning and its end are shown) …\n",
              "cut");
      }
      self.tail.forEach(function (piece) { plain(self.cut, piece[1], piece[0]); });
    });
  };

  // What came after a cut output (the grader's verdict after a learner's flood), moved
  // before it, under which `heading` is put: the reader sees the verdict at the top, not
  // under 100 kB of printed lines. Nothing moves without a cut output or with nothing after.
  // With `short`, the cut output is shortened as the verdict of a call shortens what the
  // call printed (`shorten`): before, a flood at a file's top level left its first 2,000
  // lines under the verdict, where one in a function the grader calls showed 3 and 3 (a
  // tester's walk).
  Output.prototype.first = function (heading, short) {
    this.flush();
    if (this.ran === null || !this.ran.nextSibling) return;
    if (short) this.shorten();
    var after = document.createDocumentFragment();
    while (this.ran.nextSibling) after.appendChild(this.ran.nextSibling);
    var head = document.createElement("span");
    head.className = "cut";
    head.textContent = heading;
    after.appendChild(head);
    this.box.insertBefore(after, this.box.firstChild);
    this.box.scrollTop = 0;
  };

  // How the grader shortens what a call printed, in a verdict (tinygrad_edu.exercises's
  // learner/printed.py `shortened(text, 600, 12, 3)`): its first lines, at most 12 and 600
  // characters, a line saying how much was not shown, and its last 3 lines.
  var SHORT_CHARS = 600, SHORT_LINES = 12, SHORT_LAST = 3;
  var PY_CUT = /^… ([\d,]+) more lines?, ([\d,]+) characters not shown( so far)? …\n?$/;
  var PAGE_CUT = /^… ([\d,]+) characters not shown \(.*\) …\n?$/;

  function count(text) { return Number(text.replace(/,/g, "")) || 0; }

  // The cut output before `ran` (what the code printed as it ran, a flood), shortened so
  // (SHORT_*), the lines left out counted with those the cuts before left out (Python's
  // line about its cut, tinygrad_edu.viz.printing, and this page's own). Where Python's
  // "so far" line is its last (Python ended as it printed: its last lines never came), no
  // last lines are shown and those left out are "at least" so many: before, "… so far …"
  // once it had stopped (a fifth tester's walk).
  Output.prototype.shorten = function () {
    var box = this.box, nodes = [];
    for (var n = box.firstChild; n && n !== this.ran; n = n.nextSibling) nodes.push(n);
    var text = nodes.map(function (node) { return node.textContent; }).join("");
    var lines = 0, chars = 0, pieces = [], unended = false;
    text.split(/(?<=\n)/).forEach(function (line) {
      var python = PY_CUT.exec(line), page = PAGE_CUT.exec(line);
      if (python) {
        lines += count(python[1]);
        chars += count(python[2]);
        unended = !!python[3];
      } else if (page) {
        if (pieces[pieces.length - 1] === "\n") pieces.pop();  // (the page's cut's own)
        chars += count(page[1]);
      } else if (line) {
        pieces.push(line);
        unended = false;
      }
    });
    var head = [], used = 0;
    for (var i = 0; i < pieces.length && head.length < SHORT_LINES; i++) {
      if (head.length && used + pieces[i].length > SHORT_CHARS) break;
      head.push(pieces[i].slice(0, SHORT_CHARS));
      used += head[head.length - 1].length;
      chars += pieces[i].length - head[head.length - 1].length;
    }
    var rest = pieces.slice(head.length);
    var tail = unended ? [] : rest.slice(Math.max(rest.length - SHORT_LAST, 0));
    rest.slice(0, rest.length - tail.length).forEach(function (line) {
      lines += 1;
      chars += line.length;
    });
    if (!lines && !chars) return;
    nodes.forEach(function (node) { node.remove(); });
    var shown = head.join("");
    var put = function (said, stream) {
      var span = document.createElement("span");
      span.className = stream;
      span.textContent = said;
      box.insertBefore(span, this.ran);
    }.bind(this);
    put(shown + (shown && !/\n$/.test(shown) ? "\n" : ""), "stdout");
    put("… " + (unended ? "at least " : "") + Math.max(lines, 1).toLocaleString("en") +
        " more line" + (lines === 1 ? "" : "s") + ", " + chars.toLocaleString("en") +
        " characters not shown …\n", "cut");
    put(tail.join(""), "stdout");
    this.cut = this.told = null;
  };

  Output.prototype.text = function () {
    this.paint();
    return this.box.textContent;
  };

  ns.Output = Output;
})();
