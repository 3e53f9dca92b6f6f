// The class report's script: tinygrad_edu/exercises/classroom/report.py puts it in the page,
// whose Content-Security-Policy allows this script only, by its hash. It reads the summary
// from the JSON in #report-data and draws, per exercise, a bar of how many passed and a bar
// per mistake the grader diagnosed (SVG), then the submissions that did not run and a table
// of every student's verdicts. No modules, no requests: it runs from disk, offline. (Never
// write a closing script tag here, not even in a comment: it would end the page's script.)
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var STATUSES = ["passed", "failed", "not started", "missing", "not graded"];
  var SYMBOLS = {"passed": "✓", "failed": "✗", "not started": "…", "missing": "–",
                 "not graded": "!"};
  var WIDTH = 1000, BAR = 860;  // the charts' width, and the longest bar (all submissions)
  var total = data.submissions;

  function cls(status) { return status.replace(/ /g, "-"); }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function add(parent, tag, text, className) {
    var node = parent.appendChild(document.createElement(tag));
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }
  function shape(parent, tag, attributes, text) {
    var node = parent.appendChild(document.createElementNS(SVG, tag));
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function chart(parent, height, label) {
    return shape(parent, "svg", {viewBox: "0 0 " + WIDTH + " " + height, role: "img",
                                 "aria-label": label});
  }

  function about() {
    var exercises = data.exercises.length;
    document.getElementById("about").textContent = plural(total, "submission") + " in " +
      data.folder + ", graded on " + data.date + " in " + data.seconds + " s; " +
      plural(exercises, "exercise") + ".";
    var nav = document.getElementById("contents");
    data.exercises.forEach(function (ex) {
      var link = add(nav, "a", ex.number + ". " + ex.name);
      link.href = "#ex-" + ex.name;
    });
  }

  // One bar split by status: passed, failed, not started, missing, not graded.
  function statusBar(parent, ex) {
    var svg = chart(parent, 60, STATUSES.map(function (s) {
      return ex.statuses[s] + " " + s;
    }).join(", "));
    var x = 0;
    STATUSES.forEach(function (status) {
      var n = ex.statuses[status];
      if (!n) return;
      var w = n / total * WIDTH;
      shape(svg, "rect", {x: x, y: 4, width: w, height: 52, "class": cls(status)});
      if (w >= 44) {
        shape(svg, "text", {x: x + w / 2, y: 39, "text-anchor": "middle", "font-size": 26,
                            "class": "on-bar"}, String(n));
      }
      x += w;
    });
    var key = add(parent, "p");
    STATUSES.forEach(function (status) {
      if (!ex.statuses[status]) return;
      var item = add(key, "span", null, "key " + cls(status));
      add(item, "i");
      add(item, "span", ex.statuses[status] + " " + status);
    });
  }

  // A bar per mistake (and per kind of failure that no mistake explains), longest first.
  function mistakeBars(parent, rows) {
    var ROW = 62;
    var svg = chart(parent, rows.length * ROW + 4, rows.map(function (r) {
      return r.count + ": " + r.label;
    }).join("; "));
    rows.forEach(function (row, i) {
      var y = i * ROW;
      shape(svg, "text", {x: 0, y: y + 22, "font-size": 21}, row.label);
      shape(svg, "rect", {x: 0, y: y + 30, width: BAR, height: 24, "class": "track"});
      var w = Math.max(row.count / total * BAR, 3);
      shape(svg, "rect", {x: 0, y: y + 30, width: w, height: 24, "class": row.kind});
      shape(svg, "text", {x: BAR + 12, y: y + 50, "font-size": 24, "class": "count"},
            String(row.count));
    });
  }

  function exercise(ex) {
    var section = add(document.getElementById("exercises"), "section", null, "exercise");
    section.id = "ex-" + ex.name;
    add(section, "h2", ex.number + ". " + ex.name + ": " + ex.title);
    var counts = add(section, "p", null, "counts");
    add(counts, "b", String(ex.statuses.passed));
    counts.appendChild(document.createTextNode(" of " + total + " passed"));
    statusBar(section, ex);
    var failed = ex.statuses.failed;
    if (!failed) return;
    add(section, "h3", "What the " + (failed === 1 ? "one who" : failed + " who") +
        " failed did");
    var rows = ex.mistakes.map(function (m) {
      return {label: m.title, count: m.count, kind: "mistake"};
    }).concat(ex.unexplained.map(function (u) {
      return {label: u.label + (u.failure === "wrong" ? ", no common mistake matches" : ""),
              count: u.count, kind: "unexplained"};
    }));
    mistakeBars(section, rows);
    if (!ex.mistakes.length) return;
    var details = add(section, "details");
    add(details, "summary", "What to tell them, and who made each mistake");
    var list = add(details, "dl");
    ex.mistakes.forEach(function (m) {
      add(list, "dt", m.title + " (" + plural(m.count, "student") + ")");
      add(list, "dd", m.hint);
      add(list, "dd", m.students.join(", "), "who");
    });
  }

  function problems() {
    var broken = data.students.filter(function (s) { return s.problem; });
    if (!broken.length) return;
    document.getElementById("problems-section").hidden = false;
    var list = document.getElementById("problems");
    broken.forEach(function (s) {
      var item = add(list, "li");
      add(item, "b", s.student);
      item.appendChild(document.createTextNode(": the submission " + s.problem.label + "."));
      add(item, "pre", s.problem.message);
    });
  }

  function students() {
    var table = document.getElementById("students");
    var head = add(add(table, "thead"), "tr");
    add(head, "th", "student");
    add(head, "th", "score");
    data.exercises.forEach(function (ex) { add(head, "th", ex.number + ". " + ex.name); });
    var body = add(table, "tbody");
    data.students.forEach(function (s) {
      var row = add(body, "tr");
      add(row, "th", s.student).title = s.file;
      add(row, "td", s.score + " / " + s.max_score, "num");
      s.marks.forEach(function (m) {
        var cell = add(row, "td");
        cell.title = m.verdict;
        add(cell, "span", SYMBOLS[m.status], "mark " + cls(m.status));
        var why = m.mistakes.length ? m.mistakes.join("; ") : m.failure;
        if (why) add(cell, "span", why, "why");
        if (m.copied) add(cell, "span", "⚑ " + m.flag, "why");
        if (m.alike.length) add(cell, "span", "⚑ " + m.alike_said, "why");
        if (m.tampered) add(cell, "span", "⚑ " + m.tampered, "why");
      });
    });
  }

  about();
  data.exercises.forEach(exercise);
  problems();
  students();
})();
