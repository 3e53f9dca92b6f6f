// What the live pages (the playground, the exercises) share: Python in a Web Worker
// (worker.js), loaded once and kept, with a Stop and a time limit, so the page stays usable
// whatever the code does. Where the page is cross-origin isolated (docs/hooks/serve.py sends
// the headers for it), Stop interrupts Python as Ctrl-C does and Python stays loaded;
// elsewhere (or if the code catches the interrupt) the worker is ended and a new one loads.
// And, for a page opened from
// disk, where browsers refuse to start WebAssembly and workers, a notice saying how to
// serve the site instead. Nothing here turns text into HTML: what Python prints is text.
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
    say("p", "The other pages work from disk as they are.");
    return false;
  }

  // Python in a worker. onState(state, detail) hears "loading", "ready", "busy",
  // "restarting" and "failed".
  function Python(onState) {
    this.onState = onState || function () {};
    this.jobs = 0;
    this.job = null;  // {id, resolve, reject, onPrint, seconds, timer, stopped}
    // Shared memory that Python polls for a signal to raise: 2, SIGINT (KeyboardInterrupt)
    this.interrupt = window.crossOriginIsolated && typeof SharedArrayBuffer === "function" ?
      new Uint8Array(new SharedArrayBuffer(1)) : null;
    this.start();
  }

  var GRACE_S = 3;  // how long interrupted code may take to stop before its worker is ended

  Python.prototype.start = function () {
    var self = this;
    this.ready = false;
    this.startedAt = performance.now();
    this.worker = new Worker(new URL("worker.js", here), {type: "module"});
    this.worker.onmessage = function (event) { self.receive(event.data); };
    this.worker.onerror = function (event) {
      event.preventDefault();
      self.onState("failed", event.message || "the Python worker could not start");
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
    if (!job || message.id !== job.id) {
      if (message.kind === "failed") this.onState("failed", message.text);
      return;
    }
    if (message.kind === "print") job.onPrint(message.text, message.stream);
    else if (message.kind === "done" || message.kind === "failed") {
      clearTimeout(job.timer);
      this.job = null;
      message.stopped = job.stopped;  // interrupted, and it stopped: why
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
                  onPrint: onPrint || function () {}};
      if (self.interrupt) self.interrupt[0] = 0;
      if (self.ready) self.limit(self.job);
      self.worker.postMessage(Object.assign({op: op, id: id}, fields));
    });
  };

  Python.prototype.limit = function (job) {
    var self = this;
    if (!job.seconds) return;
    job.timer = setTimeout(function () {
      if (self.job === job) self.stop("still running after " + job.seconds + " s");
    }, job.seconds * 1000);
  };

  // Stop the running code: interrupt it if we can (it then ends with a KeyboardInterrupt,
  // and the answer says why in .stopped); if it goes on, or if we cannot, end the worker.
  Python.prototype.stop = function (why) {
    var self = this, job = this.job;
    if (job && this.interrupt && !job.stopped && this.ready) {
      job.stopped = why || "stopped";
      this.interrupt[0] = 2;
      clearTimeout(job.timer);
      job.timer = setTimeout(function () {
        if (self.job === job) self.end(why + "; it did not stop when interrupted");
      }, GRACE_S * 1000);
      return;
    }
    this.end(why);
  };

  // End the worker, with everything it had, and start a new one.
  Python.prototype.end = function (why) {
    var job = this.job;
    this.job = null;
    this.worker.terminate();
    if (job) {
      clearTimeout(job.timer);
      var error = new Error(why || "stopped");
      error.stopped = true;
      job.reject(error);
    }
    this.onState("restarting");
    this.start();
  };

  Python.prototype.busy = function () { return this.job !== null; };

  ns.served = served;
  ns.Python = Python;
})();
