// Python for the live pages, in a Web Worker (a module worker): Pyodide (Python compiled to
// WebAssembly) with tinygrad_edu and the wheels it needs, and viz-js (Graphviz compiled to
// WebAssembly) to draw. Everything is loaded from the site's live/ folder (see
// docs/hooks/live.py), once; the page (live.js) sends the code to run and gets back what it
// printed, as it prints it, and what to show. A page stops runaway code by ending this
// worker and starting another.
import { loadPyodide } from "../../live/pyodide/pyodide.mjs";
import { instance } from "../../live/viz/viz.js";

const live = new URL("../../live/", import.meta.url);
let current = null;  // the id of the request being run: its prints carry it

function send(kind, fields) { self.postMessage(Object.assign({kind: kind, id: current}, fields)); }

function printer(stream) {  // Python's writes, decoded as UTF-8 across chunk boundaries
  const decoder = new TextDecoder();
  return {write: function (bytes) {
    send("print", {stream: stream, text: decoder.decode(bytes, {stream: true})});
    return bytes.length;
  }};
}

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
  pyodide.runPython("import tinygrad_edu.playground as playground; playground.start()");
  const playground = pyodide.pyimport("tinygrad_edu.playground");
  lap("import");
  self.pyodide = pyodide;
  send("ready", {seconds: (performance.now() - began) / 1000, times: times,
                 python: pyodide.runPython("import platform; platform.python_version()"),
                 manifest: manifest});
  return playground;
}

let broken = null;  // why Python could not start, if it could not
const ready = start().catch(function (error) {
  broken = String(error && error.message || error);
  send("failed", {text: broken});
});

self.onmessage = async function (event) {
  const job = event.data;
  const playground = await ready;
  if (job.op === "interrupt") {  // shared memory the page writes a signal to (live.js)
    if (broken === null) self.pyodide.setInterruptBuffer(job.buffer);
    return;
  }
  current = job.id;
  const began = performance.now();
  let answer;
  try {
    if (broken !== null) throw new Error("Python could not start: " + broken);
    if (job.op === "run") answer = playground.run_json(job.code);
    else if (job.op === "check") answer = playground.check_json(job.name, job.code, job.progress);
    else if (job.op === "exercises") answer = playground.exercises_json();
    else throw new Error("unknown request " + job.op);
    send("done", {result: JSON.parse(answer), seconds: (performance.now() - began) / 1000});
  } catch (error) {  // a failure of the machinery, not of the learner's code
    send("failed", {text: String(error && error.message || error)});
  }
  current = null;
};
