// "Download my answers" on the exercises page (exercises-live.md): the learner's answers,
// kept in this browser, as one Python file that `python -m tinygrad_edu exercises check FILE`
// grades and `python -m tinygrad_edu exercises report DIR` (a teacher's) reads as it is.
// The stages of microgpt go in a file of their own (my_gpt.py), the exercises in another:
// each has its own class Value. Each answer the learner changed from its starter goes in,
// under its number and title, after the imports a file of starters begins with. An answer
// may define a helper under the
// name of another exercise (a backward with its own topological_sort): in one file there is
// one of each name, so such an answer is put before that exercise's own, which Python then
// keeps (and the other answer uses), and a comment says so. An import line at the top
// level of an answer (`import math`, which each stage written in the page needs on its own)
// goes once to the file's imports, at its top. Loaded by exercises.js; in Node.js (the
// tests), `require` gives the same functions.
(function (root) {
  "use strict";

  function defines(code, name) {  // the code defines `name` at its top level
    return new RegExp("^(def|class)\\s+" + name + "\\b", "m").test(code);
  }

  function symbol(ex) { return ex.symbol || ex.name; }  // what its code defines

  // The exercises' order in the file: by number, except that an answer defining another
  // exercise's name comes before that exercise's answer.
  function order(chosen) {
    var placed = [], left = chosen.slice();
    while (left.length) {
      var next = left.filter(function (a) {
        return !left.some(function (b) { return b !== a && defines(b.code, symbol(a)); });
      })[0] || left[0];  // (a circle: by number)
      placed.push(next);
      left.splice(left.indexOf(next), 1);
    }
    return placed;
  }

  // A one-line import at the top level: `import a, b`, `from a.b import c, d` (a comment
  // after it allowed); not one in parentheses or continued on the next line.
  var IMPORT = /^(import [\w.]+(\s+as\s+\w+)?(\s*,\s*[\w.]+(\s+as\s+\w+)?)*|from [\w.]+ import [\w]+(\s+as\s+\w+)?(\s*,\s*\w+(\s+as\s+\w+)?)*)\s*(#.*)?$/;

  // `code` without its top-level import lines, each of which is added to `imports` (a
  // list of lines, without their comments) unless it is there already.
  function hoisted(code, imports) {
    return code.split("\n").filter(function (line) {
      if (!IMPORT.test(line)) return true;
      var plain = line.replace(/\s*#.*$/, "").replace(/\s+/g, " ").trim();
      if (imports.indexOf(plain) < 0) imports.push(plain);
      return false;
    }).join("\n").replace(/^\s*\n/, "");
  }

  // The file: `exercises` as the page lists them ({number, name, title, starter, arrays,
  // track, symbol}), `codeOf(name)` the learner's code (or null), `date` a "YYYY-MM-DD"
  // string, `fileName` what it is saved as, `track` "microgpt" for the file of the stages of
  // microgpt, else the file of the exercises (one Value each: the two never share a file).
  // Null when no answer differs from its starter.
  function file(exercises, codeOf, date, fileName, track) {
    track = track || "";
    var chosen = exercises.filter(function (ex) {
      var code = ex.arrays || (ex.track || "") !== track ? null : codeOf(ex.name);
      return code && code.trim() && code.trim() !== ex.starter.trim();
    }).map(function (ex) {
      return {name: ex.name, symbol: symbol(ex), number: ex.number, title: ex.title,
              code: codeOf(ex.name)};
    });
    if (!chosen.length) return null;
    var imports = track ? ["import math"] : ["import math", "from tinygrad_edu import walk"];
    chosen.forEach(function (ex) { ex.code = hoisted(ex.code, imports); });
    var blocks = [(track ?
      '"""My microgpt, from the exercises page (' + date + ').\nGrade it with\n' +
      'python -m tinygrad_edu exercises check ' + fileName + ' ' + track + '\n' +
      'and, once every stage passes, train it (300 steps, a few minutes) with\n' +
      'python -m tinygrad_edu exercises train ' + fileName + '\n"""\n\n' :
      '"""My answers to the tinygrad_edu exercises, from the exercises page (' +
      date + ').\nGrade them with\npython -m tinygrad_edu exercises check ' + fileName +
      '\n"""\n\n') + imports.join("\n") + "\n"];
    order(chosen).forEach(function (ex) {
      var shadowed = chosen.filter(function (other) {
        return other !== ex && defines(ex.code, other.symbol);
      }).map(function (other) { return other.name; });
      var note = shadowed.length ? "#\n# This answer also defines " + shadowed.join(", ") +
        ": your answer to that\n# exercise, further down, is the one this file keeps.\n" : "";
      blocks.push("\n# " + (track ? "stage " : "") + ex.number + ". " + ex.title + "\n" +
                  note + "\n" + ex.code.replace(/\s+$/, "") + "\n");
    });
    return blocks.join("\n");
  }

  var api = {file: file, order: order};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.tinygradAnswers = api;
})(this);
