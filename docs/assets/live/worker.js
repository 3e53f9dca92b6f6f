// Python for the live pages, in a Web Worker (a module worker): Pyodide (Python compiled to
// WebAssembly) with tinygrad_edu and the wheels it needs, and viz-js (Graphviz compiled to
// WebAssembly) to draw. Everything is loaded from the site's live/ folder (see
// docs/hooks/live.py), once; the page (live.js) sends the code to run and gets back what it
// printed, as it prints it (sys.stdout's lines at once, a flood cut in Python: pagePrint;
// what reaches the file descriptors in batches, at most one every FLUSH_MS, each at most
// BATCH_CHARS long: code that prints without end never floods the page), and what to show.
// A page stops runaway code by interrupting it, or by ending this worker and starting
// another; the exercises' time limit asks the page for a timer (pageTimer). After a call
// fails, Python is asked whether it still answers: where it does not (Pyodide's "fatal
// error", after which every call fails), the failure says so (crashed), and the page ends
// this worker and starts another; so too where its answer is not what Python sends (garbled).
// The Python it runs can reach this worker's global scope
// (`import js`): what the worker needs there (`own`: its message handler, postMessage, ...)
// is put back after each request that changed it, and the page told (`restored`);
// `js.close()`, which would end the worker after the request with nobody told, is only
// noted. Each request is acknowledged at once (took): a worker that no longer answers is
// noticed by the page (live.js) and replaced.
import { loadPyodide } from "../../live/pyodide/pyodide.mjs";
import { instance } from "../../live/viz/viz.js";

const live = new URL("../../live/", import.meta.url);
let current = null;  // the id of the request being run: its prints carry it

const post = self.postMessage.bind(self);  // (the worker's own, whatever code does after)
function send(kind, fields) { post(Object.assign({kind: kind, id: current}, fields)); }

let closing = false;  // code asked to close the worker (js.close()): noted, not done
self.close = function () { closing = true; };

const FLUSH_MS = 50;  // what Python prints is sent at most this often
const BATCH_CHARS = 65536;  // and at most this much of it: a flood's latest text
let batch = [], batchChars = 0, dropped = 0, sentAt = 0;

function queue(stream, text) {
  if (!text) return;
  const last = batch[batch.length - 1];
  if (last && last[0] === stream) last[1] += text;
  else batch.push([stream, text]);
  batchChars += text.length;
  if (batchChars > 2 * BATCH_CHARS) {  // keep the latest BATCH_CHARS (rarely: amortised)
    let over = batchChars - BATCH_CHARS;
    while (over > 0) {
      const first = batch[0], cut = Math.min(over, first[1].length);
      if (cut === first[1].length) batch.shift();
      else first[1] = first[1].slice(cut);
      over -= cut;
      batchChars -= cut;
      dropped += cut;
    }
  }
  if (performance.now() - sentAt >= FLUSH_MS) flush();
}

function flush() {  // [[stream, text], ...], and how much was dropped before them
  if (batch.length || dropped) send("print", {pieces: batch, dropped: dropped});
  batch = [];
  batchChars = dropped = 0;
  sentAt = performance.now();
}

function printer(stream) {  // Python's writes, decoded as UTF-8 across chunk boundaries
  const decoder = new TextDecoder();
  return {write: function (bytes) {
    queue(stream, decoder.decode(bytes, {stream: true}));
    return bytes.length;
  }};
}

// What Python's sys.stdout and sys.stderr print (tinygrad_edu.viz.printing: a line at a time,
// a flood cut there, in Python; "cut" is the line saying how much was not shown), sent at
// once, after anything written to the file descriptors before it.
self.pagePrint = function (stream, text) {
  queue(stream, String(text));
  flush();
};

// The exercises' time limit (tinygrad_edu.viz.playground.start): the page keeps the time, and
// sends SIGALRM through the interrupt buffer when it is up, as the system's timer would.
self.pageTimer = function (seconds, interval) {
  send("timer", {seconds: seconds, interval: interval});
};

// The page's Stop, heard (tinygrad_edu.viz.page_python.heard): the code has ended (where:
// the line it was at, or ""), and what Python does next (freeing what it made) is its own
// work, not the code's.
self.pageHeard = function (where) { send("heard", {where: String(where || "")}); };
// A call's output that the grader keeps for its verdict, grown past what it keeps
// (tinygrad_edu.viz.printing.flooded): told to the page, which shows it where its worker is
// ended before the verdict comes (a server that does not isolate the page).
self.pagePrinted = function (head, lines, chars, end) {
  send("printed", {head: String(head), lines: Number(lines), chars: Number(chars),
                   end: String(end)});
};
// The page's Stop, dropped where Python could not raise it (a __del__, a weakref's callback:
// tinygrad_edu.viz.page_python.stop_not_dropped): the page sends it again.
self.pageDropped = function () { send("dropped", {}); };

async function wheel(name, folder, pyodide) {
  const response = await fetch(new URL("wheels/" + name, live));
  if (!response.ok) throw new Error("cannot load " + name + ": " + response.status);
  pyodide.unpackArchive(await response.arrayBuffer(), "wheel", {extractDir: folder});
}

async function start() {
  const began = performance.now(), times = {};
  const lap = function (name) { times[name] = (performance.now() - began) / 1000; };
  const manifest = await (await fetch(new URL("manifest.json", live))).json();
  const [pyodide, viz] = await Promise.all([
    loadPyodide({indexURL: new URL("pyodide/", live).href}).then(function (p) {
      lap("pyodide");
      return p;
    }),
    instance()]);
  self.renderDot = function (source, format, engine) {
    return viz.renderString(source, {format: format, engine: engine});
  };
  pyodide.setStdout(printer("stdout"));
  pyodide.setStderr(printer("stderr"));
  const folder = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  await Promise.all(manifest.wheels.map(function (name) { return wheel(name, folder, pyodide); }));
  lap("wheels");
  pyodide.runPython("import tinygrad_edu.viz.playground as playground; playground.start()");
  const playground = pyodide.pyimport("tinygrad_edu.viz.playground");
  lap("import");
  self.pyodide = pyodide;
  watchMemory(pyodide._module);
  send("ready", {seconds: (performance.now() - began) / 1000, times: times,
                 python: pyodide.runPython("import platform; platform.python_version()"),
                 manifest: manifest});
  return playground;
}

// The memory Python has: a WebAssembly memory, grown each time Python asks for more than
// it has, up to the most there is (4 GB), never shrunk. Each growth is told to the page
// (memory: the bytes it has now, the most, and whether a growth was refused). Code that
// fills it (a list of bytearrays grown without end) spends its last seconds in one
// allocation after another of memory never used before, each in a single step of
// Python's, which is not where Python reads the page's signal: on a busy machine one such
// step took past the time limit and its 2 s grace, and the page ended the worker saying
// "a loop in JavaScript called from Python" (a tester's walk); told of the memory, the page
// waits for Python's own MemoryError, and says the memory ran out where it never comes.
function watchMemory(module) {
  const memory = module && module.memory;
  if (!memory || typeof memory.grow !== "function") return;
  const grow = memory.grow;
  const most = typeof module.getHeapMax === "function" ? module.getHeapMax() : 2 ** 32;
  memory.grow = function (pages) {
    let refused = true;
    try {
      const before = grow.call(memory, pages);
      refused = false;
      return before;
    } finally {
      send("memory", {bytes: memory.buffer.byteLength, most: most, refused: refused});
    }
  };
}

// The "Watch it learn" page: tinygrad_edu.viz.watch's page functions, by name, with JSON
// arguments; each answers JSON.
let watching = null;
function watch(call, args) {
  if (watching === null) watching = self.pyodide.pyimport("tinygrad_edu.viz.watch");
  if (!/^page_\w+$/.test(call)) throw new Error("unknown call " + call);
  return watching[call](JSON.stringify(args || {}));
}

let broken = null;  // why Python could not start, if it could not
const ready = start().catch(function (error) {
  broken = String(error && error.message || error);
  send("failed", {text: broken});
});

async function handle(event) {
  const job = event.data;
  if (job.op === "interrupt") {  // shared memory the page writes a signal to (live.js)
    await ready;
    if (broken === null) self.pyodide.setInterruptBuffer(job.buffer);
    return;
  }
  post({kind: "took", id: job.id});  // (at once: the page knows this worker answers)
  const playground = await ready;
  current = job.id;
  const began = performance.now();
  let answer;
  try {
    if (broken !== null) throw new Error("Python could not start: " + broken);
    if (job.op === "run") answer = playground.run_json(job.code);
    else if (job.op === "check") answer = playground.check_json(job.name, job.code, job.progress);
    else if (job.op === "exercises") answer = playground.exercises_json();
    else if (job.op === "watch") answer = watch(job.call, job.args);
    else throw new Error("unknown request " + job.op);
    if (typeof answer !== "string" || !answers(null)) {  // (it died, yet returned)
      throw new Error("Python stopped working while it ran this");
    }
    flush();
    send("done", {result: parsed(answer), seconds: (performance.now() - began) / 1000,
                  restored: restore()});
  } catch (error) {  // a failure of the machinery, not of the learner's code
    flush();
    const text = String(error && error.message || error);
    send("failed", {text: text, crashed: broken === null && (!!error.garbled ||
                                                             !answers(error)),
                    restored: restore()});
  }
  current = null;
}

// What this worker needs of its global scope, as it set it up; `restore()` puts back what a
// request's code changed, and says which (with "close()" if it asked to close the worker;
// "close" alone is the function replaced, never called).
const own = {onmessage: handle, postMessage: self.postMessage, close: self.close};
ready.then(function () {
  for (const name of ["pageTimer", "pagePrint", "pageHeard", "pageDropped", "pagePrinted",
                      "renderDot", "pyodide"]) {
    own[name] = self[name];
  }
});
self.onmessage = handle;

function restore() {
  const changed = Object.keys(own).filter(function (name) { return self[name] !== own[name]; });
  changed.forEach(function (name) { self[name] = own[name]; });
  if (closing) changed.push("close()");
  closing = false;
  return changed;
}

// Python's answer, read: one that is no JSON (",¥1\x00,¥1..." after code that
// filled the memory, and so at every Check after it) means this Python no longer works as
// it should: error.garbled, and the page loads another (crashed), blaming no one's code.
function parsed(answer) {
  try {
    return JSON.parse(answer);
  } catch (error) {
    throw Object.assign(new Error("its answer came back garbled: " + error.message),
                        {garbled: true});
  }
}

// Whether Python still answers after `error` (else it died: Pyodide marks the error of its
// "fatal error" so, and refuses every call after it).
function answers(error) {
  if (error && error.pyodide_fatal_error) return false;
  try {
    return self.pyodide.runPython("6 * 7") === 42;
  } catch (e) {
    return false;
  }
}
