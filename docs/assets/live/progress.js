// The progress of the exercises kept in the browser's local storage (live.js's storage), as
// `python -m tinygrad_edu exercises check` keeps it in its progress file: each exercise's
// attempts and whether its latest Check passed; beside it, each exercise's code and the code
// its latest Check graded. exercises.js reads and writes it through these.
(function () {
  "use strict";
  var storage = window.tinygradLive.storage;  // (live.js)
  var PROGRESS = "tinygrad_edu.exercises.progress";  // the progress file's JSON text
  var CODE = "tinygrad_edu.exercises.code.";  // + the exercise's name: the learner's code
  var CHECKED = "tinygrad_edu.exercises.checked.";  // + name: the code its latest Check graded

  function same(a, b) { return a.trim() === b.trim(); }

  function progress() {  // {name: {attempts, passed}}, as the progress file has it
    try {
      return JSON.parse(storage.get(PROGRESS) || "{}").exercises || {};
    } catch (e) {
      return {};
    }
  }

  // How many Checks of `name` the progress file's text `text` counts (0 where it is not one).
  function attempts(text, name) {
    try {
      var record = (JSON.parse(text || "{}").exercises || {})[name];
      return record ? Number(record.attempts) || 0 : 0;
    } catch (e) {
      return 0;
    }
  }

  // A Check of `name` that ended without a pass the grader did not count (a file refused
  // before it was graded: an import refused, a SyntaxError, an error as it ran; or the
  // memory filled), counted here as the progress file counts one that fails: an attempt,
  // not passed. Before, a pass then such a Check kept "✓ passed" in the menu, the count,
  // and the next step after a reload, where the page promises "a Check that fails after a
  // pass makes it 'not yet' again" (a tester's walk). Whether the browser kept it.
  function notPassed(name) {
    var data;
    try {
      data = JSON.parse(storage.get(PROGRESS) || "{}");
    } catch (e) {
      data = {};
    }
    if (!data || typeof data !== "object") data = {};
    var records = data.exercises && typeof data.exercises === "object" ? data.exercises : {};
    var record = records[name] || {attempts: 0};
    records[name] = {attempts: (Number(record.attempts) || 0) + 1, passed: false};
    var sorted = {};  // (in order of name, as the command line writes them)
    Object.keys(records).sort().forEach(function (n) { sorted[n] = records[n]; });
    return storage.set(PROGRESS, JSON.stringify({version: data.version || 1,
                                                 exercises: sorted}, null, 1));
  }

  // Whether `name` passed at its latest Check (the progress file keeps that Check's verdict:
  // a pass then a fail is not passed) and its code was edited since: a pass
  // of other code, said so, and stage 10 offers no "All 10 pass" download for it.
  function edited(name) {
    var checked = storage.get(CHECKED + name), now = storage.get(CODE + name);
    var record = progress()[name];
    return !!(record && record.passed) && checked !== null && now !== null && !same(checked, now);
  }

  function mark(record, name) {
    if (!record) return "";
    if (record.passed) return "  ✓ passed" + (edited(name) ? " before your last edit" : "");
    return "  ✗ " + record.attempts + " attempt" + (record.attempts === 1 ? "" : "s");
  }

  window.tinygradProgress = {PROGRESS: PROGRESS, CODE: CODE, CHECKED: CHECKED,
                             progress: progress, attempts: attempts, notPassed: notPassed,
                             edited: edited, mark: mark, same: same};
})();
