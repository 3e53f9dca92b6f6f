// What the live pages (the playground, the exercises, "Watch it learn") share: Python in a
// Web Worker (worker.js), loaded once and kept, with a Stop and a time limit, so the page
// stays usable whatever the code does. Where the page is cross-origin isolated
// (docs/hooks/serve.py sends the headers for it), Stop interrupts Python as Ctrl-C does and
// Python stays loaded; elsewhere (or if the code has not stopped GRACE_S after the
// interrupt) the worker is ended and a new one loads: Stop is honoured within a second
// (not while the exercises prepare the grader: its imports keep a Stop until they end).
// The exercises' time limit runs on the page's clock (pageTimer in worker.js): SIGALRM
// through the same shared memory (code that never lets Python read it, a loop in JavaScript
// it called, has its worker ended GRACE_S later: error.unanswered), or, where there is no
// shared memory, the worker ended; `left()` says
// how long the running code has before it is stopped, for the pages' countdowns. A Python
// that dies in its worker (Pyodide's "fatal error": every later call would fail) is
// noticed (worker.js asks it after every failure), its worker ended and a new one loaded:
// the call fails with error.crashed, and its result, if any, is not used. A worker that
// does not acknowledge a request within ACK_S once Python is ready (code left it busy) is
// replaced, and the request sent again, with a line saying so; and where a request's code
// changed what the worker needs (worker.js puts it back), a line says that too. What Python
// prints arrives in batches and is shown by an Output: its first HEAD_CHARS and its last
// TAIL_CHARS, with how much was left out between, so that no flood freezes the page. And,
// for a page opened from disk, where browsers refuse to start WebAssembly and workers, a
// notice saying how to serve the site instead. Nothing here turns text into HTML: what
// Python prints is text.
(function () {
  "use strict";
  var here = document.currentScript.src;
  var ns = window.tinygradLive = window.tinygradLive || {};

  // Opened from disk (file://): say so and how to serve, and start nothing.
  function served(notice) {
    if (location.protocol !== "file:") return true;
    notice.hidden = false;
    notice.textContent = "";
    var say = function (tag, text) {
      var el = notice.appendChild(document.createElement(tag));
      el.textContent = text;
      return el;
    };
    say("p", "This page runs Python in your browser, and browsers start WebAssembly and " +
        "workers only for pages that a server sends, not for files opened from disk. " +
        "Serve the site and open this page from there:");
    say("pre", "./run.sh docs --serve        # in a clone: builds site/ and prints the " +
        "address to open\npython3 -m http.server -d site -b 127.0.0.1 8000   " +
        "# or any static server, on the built site/");
    // (before, the second offered as the first's equal: a tester's walk)
    say("p", "A plain static server, python3 -m http.server among them, runs these pages " +
        "but cannot let them interrupt Python (it sends no Cross-Origin-Opener-Policy and " +
        "Cross-Origin-Embedder-Policy headers): code stopped there, by Stop or its time " +
        "limit, is ended without the line it was on. ./run.sh docs --serve sends those " +
        "headers, and the page names the line.");
    say("p", "The other pages work from disk as they are.");
    return false;
  }

  // Python in a worker. onState(state, detail) hears "loading", "ready", "restarting"
  // and "failed".
  function Python(onState) {
    this.onState = onState || function () {};
    this.jobs = 0;
    this.job = null;  // {id, resolve, reject, onPrint, seconds, timer, stopped}
    // Shared memory that Python polls for a signal to raise: 2, SIGINT (KeyboardInterrupt)
    this.interrupt = window.crossOriginIsolated && typeof SharedArrayBuffer === "function" ?
      new Uint8Array(new SharedArrayBuffer(1)) : null;
    this.start();
  }

  // How long interrupted code may take to stop before its worker is ended: its traceback is
  // formatted and sent first, which on a busy machine takes more than a second
  var GRACE_S = 2;
  var ACK_S = 3;  // how long a ready worker may take to acknowledge a request (it takes ms)
  var SIGALRM = 14;  // the signal of the exercises' time limit (Python's signal.SIGALRM)
  // How much longer code that filled the memory (`filled`) may take to read the signal: its
  // step is an allocation of memory never used before, which ends (with Python's
  // MemoryError, said at its line) once the memory is there or refused. On a busy machine
  // one such step took more than GRACE_S (a tester's walk).
  var MEMORY_GRACE_S = 8;

  // Whether a call's code filled the memory Python has (`memory`, worker.js's report: a
  // growth refused, or three quarters of the most there is taken).
  function filled(memory) {
    return !!memory && (memory.refused || memory.bytes >= 0.75 * memory.most);
  }

  Python.prototype.start = function () {
    var self = this;
    this.ready = false;
    this.startedAt = performance.now();
    this.worker = new Worker(new URL("worker.js", here), {type: "module"});
    this.worker.onmessage = function (event) { self.receive(event.data); };
    this.worker.onerror = function (event) {
      event.preventDefault();
      var why = event.message || "the Python worker could not start";
      if (self.ready) self.crashed(why);  // (it had started: it died)
      else self.onState("failed", why);
    };
    if (this.interrupt) this.worker.postMessage({op: "interrupt", buffer: this.interrupt});
    this.onState("loading");
  };

  Python.prototype.receive = function (message) {
    var job = this.job;
    if (message.kind === "ready") {
      this.ready = true;
      ns.loaded = message;  // how long each part took (benchmarks/bench_live.py reads it)
      if (job) this.limit(job);  // it waited for Python: its time starts now
      this.onState("ready", message);
      return;
    }
    if (message.kind === "failed" && message.crashed) {
      this.crashed(message.text);
      return;
    }
    if (!job || message.id !== job.id) {
      if (message.kind === "failed") this.onState("failed", message.text);
      return;
    }
    if (message.kind === "took") {
      job.took = true;
      clearTimeout(job.ack);
      return;
    }
    if (message.kind === "heard") {  // (Python ended the code at the Stop: its own work left;
      job.heard = true;              // where: the line the code was at)
      job.where = message.where || "";
      return;
    }
    if (message.kind === "memory") {  // (the memory Python has grew: worker.js's watchMemory)
      job.memory = {bytes: message.bytes, most: message.most,
                    refused: message.refused || !!(job.memory && job.memory.refused)};
      return;
    }
    if (message.kind === "printed") {  // (a flood the grader keeps for its verdict, so far:
      job.printed = {head: message.head, lines: message.lines, chars: message.chars,  // its
                     end: message.end, at: performance.now()};  // worker's flooded)
      return;
    }
    if (message.kind === "dropped") {  // (Python dropped the Stop in a __del__ or a weakref's
      if (job.stopped && this.interrupt) this.interrupt[0] = 2;  // callback: sent again)
      return;
    }
    if (message.restored && message.restored.length) job.onPrint(restoredLine(message.restored),
                                                                 "stderr");
    if (message.kind === "print") {
      if (message.dropped) job.onPrint("", "dropped", message.dropped);
      message.pieces.forEach(function (piece) { job.onPrint(piece[1], piece[0]); });
    } else if (message.kind === "timer") {
      job.timed = true;  // (the learner's code runs under it: it has begun)
      this.alarm(message.seconds, message.interval);
    } else if (message.kind === "done" || message.kind === "failed") {
      clearTimeout(job.timer);
      this.alarm(0);
      this.job = null;
      message.stopped = job.stopped;  // interrupted, and it stopped: why (and where)
      message.where = job.where || "";
      if (message.kind === "done") job.resolve(message);
      else job.reject(new Error(message.text));
    }
  };

  // Run op ("run", "check", "exercises") with fields; resolves with {result, seconds}.
  // Past `limit` seconds the worker is ended (and a new one started) and it rejects with
  // error.stopped set.
  Python.prototype.call = function (op, fields, onPrint, limit) {
    var self = this;
    if (this.job) return Promise.reject(new Error("Python is busy"));
    return new Promise(function (resolve, reject) {
      var id = ++self.jobs;
      self.job = {id: id, resolve: resolve, reject: reject, seconds: limit,
                  onPrint: onPrint || function () {},
                  message: Object.assign({op: op, id: id}, fields)};
      if (self.interrupt) self.interrupt[0] = 0;
      if (self.ready) self.limit(self.job);
      self.worker.postMessage(self.job.message);
    });
  };

  Python.prototype.limit = function (job) {
    var self = this;
    job.began = performance.now();
    if (!job.took) {
      job.ack = setTimeout(function () { if (self.job === job) self.lost(job); }, ACK_S * 1000);
    }
    if (!job.seconds) return;
    job.timer = setTimeout(function () {
      if (self.job === job) self.stop("still running after " + job.seconds + " s");
    }, job.seconds * 1000);
  };

  // Stop the running code: interrupt it if we can (it then ends with a KeyboardInterrupt,
  // and the answer says why in .stopped); if it goes on `grace` seconds (GRACE_S unless
  // given), or if we cannot interrupt it, end the worker: error.unread where Python never
  // read the interrupt (code that never gave it control back: a loop in JavaScript it
  // called; before, "it did not stop when interrupted", as for code that
  // catches KeyboardInterrupt); error.heard where the code stopped and Python's own work
  // after it (freeing what the code made) took the time (before, "it did not stop when
  // interrupted" under the code's KeyboardInterrupt).
  Python.prototype.stop = function (why, grace) {
    var self = this, job = this.job;
    if (job && this.interrupt && !job.stopped && this.ready) {
      job.stopped = why || "stopped";
      this.interrupt[0] = 2;
      clearTimeout(job.timer);
      job.timer = setTimeout(function () {
        if (self.job !== job) return;
        job.unread = self.interrupt[0] !== 0;  // (Python never read it: it never had control)
        self.end(why + (job.unread ? "" : job.heard ? "; your code stopped, but what it had " +
          "made took Python more than " + (grace || GRACE_S) + " s to let go of (a list " +
          "that grew in a loop without end, say)" : "; it did not stop when interrupted"));
      }, (grace || GRACE_S) * 1000);
      return;
    }
    this.end(why);
  };

  // Whether the call under way has begun the code it was asked to run (the exercises: a
  // time limit was set around the learner's code), not only its own preparation.
  Python.prototype.begun = function () { return !!(this.job && this.job.timed); };

  // The code's interval timer (signal.setitimer in the worker's Python, for the exercises'
  // time limit): after `seconds`, then every `interval`, SIGALRM; 0 clears it. Without
  // shared memory Python cannot be signalled: the worker is ended when the time is up.
  // Python reads the signal (and sets the buffer back to 0) between its own steps only: code
  // that never gives it control back (a loop in JavaScript called from Python, js.eval:
  // before, "stopped in 0 s" until the Check's 120 s) leaves it unread, and GRACE_S
  // after the first ring, if it was never read, the worker is ended (error.unanswered).
  Python.prototype.alarm = function (seconds, interval) {
    var self = this, job = this.job;
    clearTimeout(this.alarmTimer);
    clearInterval(this.alarmTimer);
    clearTimeout(this.watchdog);
    this.alarmTimer = this.watchdog = null;
    this.alarmSet = null;
    if (!(seconds > 0) || !job) return;
    this.alarmSet = {at: performance.now(), seconds: seconds};
    var read = false;  // (Python read a ring: it has control, and stops or is stopped)
    var ring = function () {
      if (self.job !== job) return;
      if (!self.interrupt) {
        self.end("still running after " + seconds + " s");
        return;
      }
      if (self.watchdog !== null && self.interrupt[0] === 0) read = true;
      self.interrupt[0] = SIGALRM;
      if (self.watchdog === null) {
        var waited = GRACE_S;
        var watch = function () {
          if (self.job !== job || read || self.interrupt[0] !== SIGALRM) return;
          if (filled(job.memory) && waited === GRACE_S) {  // (its MemoryError may come yet)
            waited += MEMORY_GRACE_S;
            self.watchdog = setTimeout(watch, MEMORY_GRACE_S * 1000);
            return;
          }
          job.unanswered = {limit: seconds, after: seconds + waited};
          self.end("your code did not give control back within " + (seconds + waited) +
                   " s");
        };
        self.watchdog = setTimeout(watch, GRACE_S * 1000);
      }
    };
    this.alarmTimer = setTimeout(function () {
      ring();
      if (interval > 0 && self.interrupt && self.job === job) {
        self.alarmTimer = setInterval(ring, interval * 1000);
      }
    }, seconds * 1000);
  };

  // End the worker, with everything it had, and start a new one. The call under way fails:
  // with error.stopped (it was stopped), or error.crashed (Python died in it); and
  // error.loading where Python was still loading (none of the call's code had run),
  // error.timed where a time limit had been set (the exercises' learner's code had begun).
  Python.prototype.end = function (why, crashed) {
    var job = this.job, loading = !this.ready;
    this.job = null;
    this.alarm(0);
    this.worker.terminate();
    if (job) {
      clearTimeout(job.timer);
      var error = new Error(why || "stopped");
      if (crashed) error.crashed = true;
      else error.stopped = true;
      error.loading = loading;
      error.timed = !!job.timed;
      error.unread = !!job.unread;
      error.heard = !!job.heard;
      error.where = job.where || "";
      error.unanswered = job.unanswered || null;
      error.memory = job.memory || null;  // (worker.js's last word on the memory)
      // what the code was printing when it was ended, told within the last second (a flood
      // is told every 0.25 s: an older one was of a call that had ended)
      error.printed = job.printed && performance.now() - job.printed.at < 1000 ?
        job.printed : null;
      job.reject(error);
    }
    this.onState("restarting", crashed ? "crashed" : "stopped");
    this.start();
  };

  // The worker did not acknowledge `job` (code run before left it busy, with a JavaScript
  // loop it scheduled, or closed it): a new one, which
  // runs the job once it is ready, with a line saying why it waits for Python to load.
  Python.prototype.lost = function (job) {
    clearTimeout(job.timer);
    this.alarm(0);
    this.worker.terminate();
    job.onPrint("The page's Python had stopped answering (code run before may have left its " +
                "worker busy, or closed it): it is loaded again, and this runs there.\n",
                "stderr");
    this.onState("restarting", "lost");
    this.start();
    this.worker.postMessage(job.message);
  };

  // Python died in its worker (worker.js found it no longer answers): a new one.
  Python.prototype.crashed = function (why) {
    this.crashes = (this.crashes || 0) + 1;
    this.end(why, true);
  };

  Python.prototype.busy = function () { return this.job !== null; };

  // The line that says what a run's code changed in the worker, which put it back.
  function restoredLine(names) {
    var said = names.map(function (name) {
      return name === "close" ? "js.close(), which would have ended it" : "js." + name;
    });
    return "\nYour code changed the worker that runs this page's Python (" + said.join("; ") +
      "): it was put back, and the next run starts as this one did.\n";
  }

  // How long the code under way has before it is stopped, in seconds: `job`, the call's
  // limit; `alarm`, the time limit of one run of the learner's code (the exercises' 5 s),
  // once it has run for a second (before, it is any of the many short ones a grading
  // makes); `ran`, how long that run has gone on. Null when nothing runs yet.
  Python.prototype.left = function () {
    var job = this.job;
    if (!job || !this.ready || job.began === undefined) return null;
    var now = performance.now(), set = this.alarmSet;
    var ran = set ? (now - set.at) / 1000 : 0;
    return {job: job.seconds ? job.seconds - (now - job.began) / 1000 : null,
            alarm: set && ran >= 1 ? set.seconds - ran : null, ran: ran};
  };

  // The countdown a page shows beside what it is doing ("Grading…"), from `left()`: the
  // seconds before the code is stopped, counted down each second. `say(text)` shows it.
  function Countdown(python, doing, say) {
    this.python = python;
    this.doing = doing;
    this.say = say;
    this.ticker = null;
  }

  Countdown.prototype.text = function (left) {
    if (left.alarm !== null && left.alarm <= 0) {  // (the time is up, and Python has not yet
      // read the signal: code that fills the memory spends seconds in one allocation;
      // before, "it is stopped in 0 s" all that while, a tester's walk)
      return this.doing + " your code has run " + Math.floor(left.ran) + " s without " +
        "finishing: its time is up, and it is being stopped…";
    }
    if (left.alarm !== null) {
      return this.doing + " your code has run " + Math.floor(left.ran) + " s without " +
        "finishing: it is stopped in " + Math.max(0, Math.ceil(left.alarm)) + " s";
    }
    if (left.job === null) return this.doing;
    return this.doing + " stopped in " + Math.max(0, Math.ceil(left.job)) + " s if it has " +
      "not finished";
  };

  // Count down while the code runs (while Python loads, the page says that instead).
  Countdown.prototype.start = function () {
    var self = this;
    var tick = function () {
      var left = self.python.left();
      if (left !== null) self.say(self.text(left));
    };
    this.stop();
    tick();
    this.ticker = setInterval(tick, 250);
  };

  Countdown.prototype.stop = function () {
    clearInterval(this.ticker);
    this.ticker = null;
  };

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

  // The browser's local storage, where it lets a page keep things (a private window may not).
  var storage = {
    get: function (key) {
      try { return window.localStorage.getItem(key); } catch (e) { return null; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem(key, value); return true; } catch (e) { return false; }
    },
  };

  ns.filled = filled;
  ns.served = served;
  ns.Python = Python;
  ns.Countdown = Countdown;
  ns.Output = Output;
  ns.storage = storage;
})();
