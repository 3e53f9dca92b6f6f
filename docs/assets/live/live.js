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
// prints arrives in batches, shown by an Output (output.js). And, for a page opened from
// disk, where browsers refuse to start WebAssembly and workers, a notice saying how to
// serve the site instead.
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
      return name === "close()" ? "js.close(), which would have ended it" : "js." + name;
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
  ns.storage = storage;
})();
