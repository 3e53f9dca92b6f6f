"""A graded function (or class) that is the same code as an answer the package ships: flagged
for the teacher, never scored differently, never shown to a learner alone.

The wheel a student installs holds the answers: ``model_answers.py`` (to read after trying)
and the grader's references in ``answers.py``. Students can always read public solutions;
what the grader can do is say when what it graded is one of them, however lightly edited.
``CopyReading(path)`` reads a learner's file once (parsed, never run) and ``same(exercise)``
names the answer of the package that one of the file's definitions, under any name and
anywhere in it, is the same code as (a copy renamed and bound to the exercise's name by an
alias, a lambda, a ``def`` that calls it or a decorator is the same copy, as each definition
is compared; a function's answer is compared with every function of the file, a nested
function and a class's method too: a copy made a ``@staticmethod`` or a method is the same
copy, a dishonest file's route in issue 65). A definition is read as a teacher reading for
copies reads it, in the manner of MOSS:

- dead code left out (statements after a ``return``, ``raise``, ``break`` or ``continue``;
  ``if False:``; an ``assert``; ``x = x``; a statement that calls nothing but builtins
  that change nothing, ``print`` and ``len`` among them (``INERT``), or assigns what they
  return to a name read nowhere but in such assignments of its own, ``n = n + 1``),
  docstrings, comments, annotations and decorators too;
- light rewrites undone: ``x += e`` is ``x = x + e``; ``xs.append(e)``, ``xs += [e]`` and a
  loop of appends are one; ``xs.extend(e)`` is ``xs = xs + e``; ``reversed(xs)`` is
  ``xs[::-1]``; ``s.add(k)`` is ``s[k] = True`` (a dict for a set); an empty ``set()``,
  ``dict()``, ``[]`` or ``{}`` one empty container; a list, set or generator comprehension
  one comprehension; ``not`` and ``not in`` as ``in``; ``len(xs) > 0`` as ``xs``; ``a, b =
  c, d`` two assignments; ``d[k] if k in d else e`` (or an ``if``/``else`` of two
  assignments or returns so) is ``d.get(k, e)``, and ``d.get(k, None)`` ``d.get(k)``; ``k
  in d.keys()`` is ``k in d``; ``d.get(k, 0)`` (a number the default) is ``d[k]``; a test's
  ``len(xs)`` or ``bool(x)``, and ``x == True``, are ``xs`` and ``x``; and edits made by rote
  (``copy_forms.py``): a list or a set for a tuple, ``d.get(k) or e`` for ``d.get(k, e)``, a
  ``continue`` for an ``else``, ``while True:`` with a ``break``, ``xs.reverse()`` before a
  loop, a loop over indices for one over what they index (``zip``, ``[::-1]``), ``t[0],
  t[1]`` for unpacking ``t``, an ``if``/``else``'s branches either way round;
- then written out as tokens: the learner's own names all one token (renaming changes
  nothing), numbers one token, strings one; keywords, operators, attributes (``.grad``,
  ``.parents``: what the exercise reads), builtins and the modules' names kept;
- fingerprinted: every run of ``GRAM`` tokens (winnowing's window of one: a definition is
  small).

The same code: at least ``SHARE`` of the answer's distinctive fingerprints are in the
definition. Distinctive: not in what every learner is shown and may type (``COMMON``:
micrograd's lecture, ``lecture.py``, which exercise 18 asks for as the lecture builds it).
An answer of fewer than ``FEWEST`` distinctive fingerprints is not compared so: a short or
canonical answer (``return b, a``, the one loop of ``backward_step``, a softmax in four
lines, the recursive topological sort of the lecture, ``backward`` as that sort or the sort
with a stack the Value exercise's note shows) is what anyone who solves the exercise writes.
Nor is a definition that sorts as the note shows, the note's names too, and in no other place
(``CopyReading._as_noted``): what is left of ``sum_over_paths`` beside that sort is its
accumulation in two dicts, which anyone who wrote ``backward`` writes the same way; on
``walk``'s order, that accumulation alone is a part of the answer (``PART``), and a
definition is a copy only if it also holds ``SHARE`` of the rest, the answer's own sort.
It is compared a second way, its names as written (``tokens(named=True)``: only the
function's own name and its parameters made anonymous), where an answer of at least
``FEWEST_NAMED`` distinctive fingerprints is flagged if ``SHARE`` of them are in a
definition: ``backward``'s sort with a stack, with the model answer's own names for what
the note names otherwise (an honest answer of the suite's corpus holds at most 26% of them,
a copy renamed ``_my_backward`` all). An answer flagged neither way (``d_tanh``'s ``1 - y *
y``; ``backward`` with every name of its own renamed, which is the note's sort and
micrograd's loop as a learner's microgpt writes them) is never flagged on its own, nor
written so under the exercise's name: it is flagged if it is token for token the model
answer, every name it binds numbered in the order it first appears (``tokens(numbered=True)``:
however renamed, a dishonest file's route in issue 65), defined under another name bound to the
exercise's (``d_tanh = _my_tanh``, a copy hidden as a copy is), in a file where another
exercise is flagged (``BESIDE``). The track's reference (``microgpt/reference.py``) is
microgpt's own code, which the track asks learners to write again, so it is not compared.

The file is not all that runs: code it compiles at run time (from a string it holds reversed,
say) is seen in the learner's process (``learner/audit.py``) and read here as the file is
(``RanReading``): a copy there is flagged so, ``COMPILED``; code made from bytes
(``marshal``, ``types.CodeType``) has no source to read, and is flagged as such (``BUILT``).
Neither is seen where the learner's code switched the hook off from inside its process:
``machinery.py`` says so, and what in the file's text reaches Python's machinery
(``Mark.tampered``, on the same channels as these flags).

``exercises report`` also compares classmates (``classmates``): two files whose code for an
exercise shares enough that the package does not ship and most of the class does not write,
the code each compiled at run time read as more of it (a classmate's answer kept reversed in
a string is found too).

What is flagged is for the teacher alone (``Mark.copied``, ``Mark.alike``): the report's
columns and page, a test of Gradescope's results hidden from students, a hidden test case of
Otter's, the staff's log of each route (``results.for_staff``: nbgrader's autograde log,
PrairieLearn's grading job's); never a verdict's text, ``check``'s output, the exercises
page, nor anything a learner sees alone (GitHub Classroom has no channel only a teacher
reads: its flags are in ``exercises report`` run on what was handed in).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import itertools
import textwrap
from collections import Counter, deque
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from tinygrad_edu.exercises.copy_forms import IDENTITY, forwarders, identities
from tinygrad_edu.exercises.copy_tokens import (
    GRAM,
    Definition,
    Fingerprints,
    fingerprints,
    tokens,
)
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.heard import UNREAD
from tinygrad_edu.exercises.loading import cell_texts, imported, parsed, read_source
from tinygrad_edu.exercises.module_made import shaped
from tinygrad_edu.exercises.value_words import NOTE_SORT

__all__ = ["BESIDE", "BUILT", "COMPILED", "COPIED", "TOO_LARGE", "CopyReading", "RanReading",
           "classmates", "flag", "kind_of", "said"]

COPIED = "the same code as the model answer shipped in the package"
"""What a flagged exercise is, as every route says it."""
COMPILED = "in code the file compiled at run time"
"""Where a copy was found that is not in the file's text (``RanReading``)."""
BUILT = ("runs code it built at run time that the grader cannot read as source: what ran "
         "is not what was handed in")
"""What a flagged exercise is whose file made code from bytes (``RanReading``)."""
SHARE = 0.6
"""How much of an answer's distinctive fingerprints a definition must hold to be its copy."""
FEWEST = 60
"""The fewest distinctive fingerprints an answer has to be flagged."""
FEWEST_NAMED = 100
"""The fewest distinctive fingerprints, its names as written, an answer has to be flagged so
(``backward``'s 127; ``topological_sort``'s 55 are the lecture's recursive sort with names
anyone may choose, ``backward_step``'s 25 its one line)."""
Method = tuple[Definition, dict[str, str], ast.ClassDef]
"""A function of a class's body, read apart: it, the imports of its file, its class."""
BESIDE = ("renamed and bound to its name, token for token once its own names are numbered: "
          "honest work can be the same code, so flagged only beside the copy of")
"""What the flag of an answer too short or too common to flag alone adds: it is flagged only
beside another exercise's copy."""
MOST = 500
"""The most definitions of a file compared (a file of thousands of them is not an answer)."""
READ_MOST = 50_000
"""The most reading a file's definitions are given: the parts of their trees, each counted
once for every definition it is in (a nested function is read alone and as part of each
one around it). The largest honest files are about 5,000 (``engine.py``); 50,000 take about
2 s to read. A file over it is not compared, and flagged (``TOO_LARGE``): a chain of dead
assignments in 60 nested functions held the class report for 25 minutes."""
TOO_LARGE = ("is more code than the grader reads for copies (its definitions, each nested one "
             f"counted in every one around it, are over {READ_MOST:,} parts: not compared "
             "with the answers or classmates; read it)")
"""What a file over ``READ_MOST`` is flagged with, for the teacher."""
SAID_AS_IS = (BUILT, TOO_LARGE)
"""Flags said as they are (not a copy found, with where)."""
ANSWERS = ("model_answers.py", "answers.py")
"""The package's files of answers (in ``tinygrad_edu/exercises``), the first one that has a
definition of the name named when several do."""
COMMON = ("lecture.py", "value.py", "idioms.py")
"""Code every learner is shown and may type: its fingerprints are no answer's own. Micrograd's
lecture, the sort with a stack of one's own that the Value exercise's note shows
(``value.py``'s model of the lecture's class sorts so), and the forms many write alike
unshown (``idioms.py``: sum_over_paths's memoised recursion)."""
PART = "part_"
"""A definition of ``COMMON`` so named is a part of an answer that learners write alike (the
accumulation of ``sum_over_paths`` on ``walk``'s order): its fingerprints stay the answer's,
but a definition is its copy only if it also holds ``SHARE`` of the rest (``answers``)."""


def flag(exercise_name: str, where: str) -> str:
    """The line a flagged exercise's result for the teacher gains (``where``: its
    ``Mark.copied``)."""
    how = "" if where.startswith(SAID_AS_IS) else ("; compared with names made anonymous, as "
                                              "written or numbered, docstrings, comments and "
                                              "dead code left out, light rewrites undone")
    return f"⚑ {exercise_name}: {said(where)[:-1]}{how}). Flagged for the teacher to read, " \
        "not scored differently."


def said(where: str) -> str:
    """A flag (a ``Mark.copied``) as the teacher reads it: what it is, then where."""
    return where if where.startswith(SAID_AS_IS) else f"{COPIED} ({where})"


def kind_of(where: str) -> str:
    """What a flag (a ``Mark.copied``) is, in a few words: ``COPIED``, compiled at run time
    or not, or ``BUILT``."""
    for kind in SAID_AS_IS:
        if where.startswith(kind):
            return kind
    return f"{COPIED} ({COMPILED})" if where.endswith(COMPILED) else COPIED


class CopyReading:
    """A learner's file as the grader reads it for copies of the package's answers: parsed
    once, never run (a file that cannot be read or parsed has no copy to flag). Given
    ``source``, that text is read instead (code the file compiled at run time). Given
    ``ran``, the code the file compiled at run time (``apart.Graded.ran``) is read with it
    (``material``), for the class's report to compare with classmates; of it, ``made`` is
    what a module's code wrote, not the file's (``apart.Graded.made``), taken so only where
    it has the shape the standard library writes (``module_made.shaped``: a dataclass's
    field named to carry code is the file's)."""

    def __init__(self, path: Path, within: Path | None = None,
                 source: str | None = None, ran: Sequence[str] = (),
                 made: Collection[str] = ()) -> None:
        self.path = path
        self.definitions: list[tuple[Definition, dict[str, str]]] = []
        self.methods: list[Method] = []  # (of its classes, read apart too)
        self.bound: dict[str, list[str]] = {}  # (a name of the top level: the names bound to it)
        self._prints: dict[tuple[int, bool], Fingerprints] = {}
        self._owned: dict[str, str] = {}  # (an exercise's name: its answer copied, or "")
        self._noted: dict[int, bool] = {}  # (a definition's id: whether it sorts as the note)
        self.unparsed = False  # (a block of it is not Python the grader can parse)
        self.compiled: list[tuple[Definition, dict[str, str]]] = []  # (of ``ran``)
        self.made: set[int] = set()  # (of ``compiled``, the ids of what modules' code wrote)
        work = 0  # (its parts, as ``READ_MOST`` counts them)
        try:
            self.unparsed, work = _take(cell_texts(
                path, read_source(path, within) if source is None else source),
                self.definitions, self.bound, self.methods)
        except Exception:
            self.definitions, self.methods = [], []
        for text in ran:
            before = len(self.compiled)
            with contextlib.suppress(Exception):  # (what cannot be read is flagged apart)
                work = _take([text], self.compiled, {}, None, work)[1]
            if text in made and shaped(text):  # (a module's, of the shape it writes)
                self.made.update(id(node) for node, _ in self.compiled[before:])
        del self.compiled[MOST:]
        self.too_large = work > READ_MOST
        if self.too_large:  # (nothing of it read)
            self.definitions, self.methods, self.compiled = [], [], []

    def same(self, exercise: ExerciseSpec) -> str:
        """The package's answer (``"model_answers.py's backward"``) for the exercise's name
        that a definition of the file, under any name and anywhere in it, is the same code
        as; else the answer that a definition of another name bound to the exercise's is
        token for token, its own names numbered (``_exact``), if another exercise's answer
        is copied in the file (``BESIDE``); empty if none is."""
        if self.too_large:
            return TOO_LARGE
        own = self._own(exercise.symbol)
        if own or not any(self._exact(exercise.symbol)):
            return own
        where = next(w for w in self._exact(exercise.symbol) if w)
        other = next((name for name in _flaggable() if name != exercise.symbol
                      and self._own(name)), "")
        return f"{where}'s {exercise.symbol}, {BESIDE} {other}" if other else ""

    def _own(self, symbol: str) -> str:
        """The answer of ``symbol`` a definition is a copy of on its own, or empty."""
        if symbol not in self._owned:
            self._owned[symbol] = ""
            for where, kind, theirs, named, rest in answers(symbol):
                for node, imports in self.definitions + ([] if kind else [
                        (method, imports) for method, imports, _ in self.methods]):
                    if isinstance(node, ast.ClassDef) == kind and (
                            (_holds(theirs, self._fingerprints(node, imports), FEWEST)
                             and _holds(rest, self._fingerprints(node, imports), 1)
                             and not self._as_noted(node, imports)
                             and not _recurses(node))
                            or _holds(named, self._fingerprints(node, imports, True),
                                      FEWEST_NAMED)):
                        self._owned[symbol] = f"{where}'s {symbol}"
                        break
                if self._owned[symbol]:
                    break
        return self._owned[symbol]

    def _as_noted(self, node: Definition, imports: dict[str, str]) -> bool:
        """Whether the definition sorts as the Value exercise's note shows, the note's names
        too (``SHARE`` of its fingerprints so), and sorts in no other place (less than
        ``SHARE`` of the note's fingerprints with names made anonymous outside the runs of
        tokens written as the note writes them). Such a definition is not compared with its
        names made anonymous: what is left of ``sum_over_paths`` beside the note's sort is
        the accumulation any learner who wrote ``backward`` writes the same way (an honest
        answer so held all of the model answer's distinctive fingerprints: issue 65)."""
        if id(node) not in self._noted:
            self._noted[id(node)] = False
            with contextlib.suppress(Exception):  # (too deep to read: as ``fingerprints``)
                self._noted[id(node)] = _sorts_as_noted(tokens(node, imports, named=True),
                                                        tokens(node, imports))
        return self._noted[id(node)]

    def _exact(self, symbol: str) -> list[str]:
        """For each definition the name ``symbol`` reaches (``reached``) under another name
        (``d_tanh = _my_tanh``), or method of a class it reaches (``d_tanh = _H.tanh``, the
        class bound to it), the package's file whose answer of that name it is token for
        token, every name of its own numbered (however renamed), or empty."""
        shipped = _exactly(symbol)
        reached = self.reached(symbol)
        classes = {id(node) for node, _ in reached if isinstance(node, ast.ClassDef)}
        hidden = [(node, imports) for node, imports in reached if node.name != symbol] + [
            (method, imports) for method, imports, owner in self.methods
            if id(owner) in classes]
        return [next((where for where, kind, words in shipped if kind == isinstance(
            node, ast.ClassDef) and words == _words(node, imports)), "")
            for node, imports in hidden] if shipped else []

    def reached(self, symbol: str) -> list[tuple[Definition, dict[str, str]]]:
        """The file's definitions of the name ``symbol``, and of every name they (or an
        assignment of that name) use that the file defines, and so on (an alias, a helper,
        a helper's helper)."""
        named: dict[str, list[tuple[Definition, dict[str, str]]]] = {}
        for node, imports in self.definitions:
            named.setdefault(node.name, []).append((node, imports))
        todo, seen, found = [symbol], set(), []
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for node, imports in named.get(name, ()):
                found.append((node, imports))
                todo += [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
            todo += self.bound.get(name, [])
        return found

    def material(self, exercise: ExerciseSpec, compiled: bool = True, made: bool = True
                 ) -> Fingerprints:
        """What the file defines for the exercise, as fingerprints: its definitions of the
        exercise's name, and of every name they (or an assignment of that name) use that the
        file defines, and so on (an alias, a helper, a helper's helper); and unless
        ``compiled`` is false, every definition of the code it compiled at run time (``ran``:
        however named, and however the file reaches it, a key made at run time included),
        what modules' code wrote of it too unless ``made`` is false."""
        found = set[tuple[str, ...]]()
        for node, imports in self.reached(exercise.symbol):
            found |= self._fingerprints(node, imports)
        for node, imports in self.compiled if compiled else ():
            if made or id(node) not in self.made:
                found |= self._fingerprints(node, imports)
        return frozenset(found)

    def _fingerprints(self, node: Definition, imports: dict[str, str], named: bool = False
                      ) -> Fingerprints:
        if (id(node), named) not in self._prints:
            self._prints[id(node), named] = fingerprints(node, imports, named)
        return self._prints[id(node), named]


class RanReading:
    """The code a file compiled at run time (``apart.Graded.ran``), read for copies as the
    file is, each text once however often it is asked."""

    def __init__(self) -> None:
        self._read: dict[str, CopyReading] = {}

    def same(self, exercise: ExerciseSpec, ran: Sequence[str], built: Sequence[str]) -> str:
        """The package's answer that code compiled at run time is the same code as (said
        with ``COMPILED``); else ``BUILT`` (and how) if code was made from what the grader
        cannot read as source (bytes, a tree of the file's own, text its parser cannot
        take, a coding of the file's own: ``heard.py``); else empty."""
        unparsed = False
        for text in ran:
            if text not in self._read:
                self._read[text] = CopyReading(Path("<compiled at run time>"), source=text)
            same = self._read[text].same(exercise)
            if same:
                return f"{same}, {COMPILED}"
            unparsed = unparsed or self._read[text].unparsed
        if unparsed:
            built = [*built, f"{UNREAD} (text Python's parser does not take)"]
        return f"{BUILT} ({'; '.join(built)})" if built else ""


CROWD = 5
"""The fewest files code must be in to be the class's, not a pair's own (and in more than
half of them): a copy ring of three in a class of five was more than half, and its code went
unflagged (a dishonest ring, issue 65). A ring of up to four is always found; the suite's honest
answers, one file from each hand, pair with none even with nothing left out as the class's."""


def classmates(readings: Mapping[str, CopyReading], exercise: ExerciseSpec,
               compiled: bool = True) -> dict[str, tuple[str, ...]]:
    """For each student (of ``readings``, by name), the classmates whose code for the exercise
    is the same as theirs, in the manner of MOSS: what each file defines for it
    (``CopyReading.material``, with what it compiled at run time unless ``compiled`` is
    false) less every fingerprint of what the package ships (its answers, the track's
    reference, ``COMMON``) and less those in more than half of the files as written and in
    at least ``CROWD`` of them (what a class writes alike is no pair's own; code compiled
    at run time is no one's writing, and counts for none), and less what modules' code wrote
    at run time in two files or more that no file holds as written (the modules' own: a
    dataclass's methods; ``CopyReading.made``); what a file's own code compiled at run time
    is its own, however many compiled it. Two are alike when they share at least ``FEWEST``
    of what is left, and at least ``SHARE`` of the smaller's."""
    shipped = _shipped()
    written = {student: reading.material(exercise, compiled=False) - shipped
               for student, reading in readings.items()}
    counts = Counter(print_ for prints in written.values() for print_ in prints)
    crowd = max(CROWD - 1, len(written) // 2)  # (the most files a pair's own code is in)
    ran = {student: reading.material(exercise) - shipped - written[student]
           for student, reading in readings.items() if compiled and reading.compiled}
    theirs = {student: readings[student].material(exercise, made=False) for student in ran}
    made = Counter(p for student, prints in ran.items() for p in prints - theirs[student])
    everyone = counts.keys()
    own = {student: frozenset(p for p in prints | {q for q in ran.get(student, ()) if
                                                   q in theirs[student] or made[q] < 2
                                                   or q in everyone}
                              if counts[p] <= crowd) for student, prints in written.items()}
    alike: dict[str, list[str]] = {}
    for one, other in itertools.combinations(sorted(own), 2):
        shared = len(own[one] & own[other])
        if shared >= FEWEST and shared >= SHARE * min(len(own[one]), len(own[other])):
            alike.setdefault(one, []).append(other)
            alike.setdefault(other, []).append(one)
    return {student: tuple(names) for student, names in alike.items()}


@functools.cache
def _shipped() -> Fingerprints:
    """Every fingerprint of the package's answers, the track's reference and ``COMMON``."""
    return frozenset().union(*(fingerprints(node, imports) for name in (
        *ANSWERS, *COMMON, "microgpt/reference.py") for node, imports in _read(name, top=True)))


def _take(blocks: Sequence[str], definitions: list[tuple[Definition, dict[str, str]]],
          bound: dict[str, list[str]], methods: list[Method] | None = None,
          work: int = 0) -> tuple[bool, int]:
    """Read ``blocks`` (a file's cells, or code compiled at run time) into ``definitions``
    (at most ``MOST``), ``bound`` and ``methods`` (the functions of its classes' bodies, at
    most ``MOST``): whether a block is not Python the grader can parse, and ``work`` (what
    was read before) with their parts added, counted as ``READ_MOST`` counts them (over it,
    the blocks after are not read)."""
    imports: dict[str, str] = {}
    unparsed = False
    for block in blocks:
        try:
            tree = parsed(block)
        except Exception:  # (not Python: its grading says so)
            unparsed = True
            continue
        imports.update(pair for statement in tree.body for pair in imported(statement))
        imports.update(dict.fromkeys(identities(tree.body), IDENTITY))
        imports.update(forwarders(tree.body))
        parts, found, of_classes = _walk(tree)
        work += parts
        if work > READ_MOST:
            return unparsed, work
        for statement in tree.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value:
                targets = statement.targets if isinstance(statement, ast.Assign) \
                    else [statement.target]
                used = [n.id for n in ast.walk(statement.value) if isinstance(n, ast.Name)]
                for name in (n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)):
                    bound.setdefault(name.id, []).extend(used)
        definitions += [(node, imports) for node in found]
        if methods is not None:
            methods += [(method, imports, owner) for owner, method in of_classes]
    del definitions[MOST:]
    if methods is not None:
        del methods[MOST:]
    return unparsed, work


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
"""The definitions of functions."""
DEFINED = (*FUNCTIONS, ast.ClassDef)
"""The definitions a file is read for copies by."""
NONE: frozenset[int] = frozenset()


def _walk(tree: ast.Module) -> tuple[int, list[Definition],
                                    list[tuple[ast.ClassDef, Definition]]]:
    """One walk of a module, breadth first (as ``ast.walk``): the parts of its definitions,
    each counted once for every definition it is in (``READ_MOST``); its functions and
    classes at any depth, a class's methods read as its part, not apart; and the functions of
    its classes' bodies (classes at any depth), each with its class, read apart too."""
    work = 0
    definitions: list[Definition] = []
    of_classes: list[tuple[ast.ClassDef, Definition]] = []
    todo: deque[tuple[ast.AST, int, bool]] = deque([(tree, 0, False)])
    while todo:
        node, inside, in_class = todo.popleft()
        if isinstance(node, DEFINED):
            inside += 1
            if not in_class:
                definitions.append(node)
        work += inside
        body: frozenset[int] = NONE  # (of a class: the ids of its body's statements)
        if isinstance(node, ast.ClassDef):
            body = frozenset(id(s) for s in node.body)
            of_classes += [(node, s) for s in node.body if isinstance(s, FUNCTIONS)]
        todo.extend((child, inside, id(child) in body) for child in ast.iter_child_nodes(node))
    return work, definitions, of_classes


@functools.cache
def answers(symbol: str
            ) -> tuple[tuple[str, bool, Fingerprints, Fingerprints, Fingerprints], ...]:
    """The package's answers (``ANSWERS``) of the name ``symbol`` long enough to flag: the
    file each is in, whether it is a class, and its distinctive fingerprints (not in
    ``COMMON``), with names made anonymous (none if fewer than ``FEWEST``) and as written
    (none if fewer than ``FEWEST_NAMED``), and of the first those not in a part of an
    answer that learners write alike (``PART``: a definition must hold ``SHARE`` of these
    too); read once, from the installed package's source."""
    found = []
    for where in ANSWERS:
        for node, imports in _read(where, top=True):
            if node.name == symbol:
                theirs = fingerprints(node, imports) - _common()
                named = fingerprints(node, imports, True) - _common(True)
                theirs = theirs if len(theirs) >= FEWEST else frozenset()
                named = named if len(named) >= FEWEST_NAMED else frozenset()
                if theirs or named:
                    found.append((where, isinstance(node, ast.ClassDef), theirs, named,
                                  theirs - _common(part=True)))
    return tuple(found)


@functools.cache
def _flaggable() -> tuple[str, ...]:
    """The names whose answers can be flagged on their own (``answers``)."""
    return tuple(name for name in dict.fromkeys(node.name for where in ANSWERS
                                                for node, _ in _read(where, top=True))
                 if answers(name))


@functools.cache
def _exactly(symbol: str) -> tuple[tuple[str, bool, tuple[str, ...]], ...]:
    """The package's answers of the name ``symbol``: the file, whether a class, the tokens
    (``_words``)."""
    return tuple((where, isinstance(node, ast.ClassDef), _words(node, imports))
                 for where in ANSWERS for node, imports in _read(where, top=True)
                 if node.name == symbol)


def _words(node: Definition, imports: dict[str, str]) -> tuple[str, ...]:
    """A definition's tokens, every name of its own numbered (none for one too deep to
    read)."""
    try:
        return tuple(tokens(node, imports, numbered=True))
    except Exception:  # (RecursionError, tokenize's errors: as ``fingerprints``)
        return ()


def _sorts_as_noted(named: list[str], plain: list[str]) -> bool:
    """``CopyReading._as_noted`` on a definition's tokens, its names as written and made
    anonymous (the same tokens, one for one)."""
    note_named, note_plain = _note(True), _note(False)
    runs = [tuple(named[i:i + GRAM]) for i in range(len(named) - GRAM + 1)]
    if len(named) != len(plain) or len(note_named & set(runs)) < SHARE * len(note_named):
        return False
    written = set[int]()  # (the tokens of runs written as the note writes them)
    for i, run in enumerate(runs):
        if run in note_named:
            written.update(range(i, i + GRAM))
    elsewhere = {tuple(plain[i:i + GRAM]) for i in range(len(plain) - GRAM + 1)
                 if not written.issuperset(range(i, i + GRAM))}
    return len(note_plain & elsewhere) < SHARE * len(note_plain)


def _recurses(node: Definition) -> bool:
    """Whether the definition holds a function that calls itself (the lecture's
    ``build_topo``): it sorts as the lecture does, not with the model answers' stack, and
    what it holds of them is the accumulation in two dicts that anyone who wrote
    ``backward`` writes the same way (four honest ``sum_over_paths`` so were flagged as
    copies: an attacker's, issue 65)."""
    return any(isinstance(inner, ast.FunctionDef) and inner is not node and any(
        isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
        and call.func.id == inner.name for call in ast.walk(inner))
        for inner in ast.walk(node))


@functools.cache
def _note(named: bool) -> Fingerprints:
    """The fingerprints of the sort the Value exercise's note shows (``NOTE_SORT``), as a
    learner's ``backward`` (``named``: its names as written)."""
    node = ast.parse("def backward(self):\n" + textwrap.indent(NOTE_SORT, "    ")).body[0]
    assert isinstance(node, ast.FunctionDef)
    return fingerprints(node, {}, named)


def _holds(theirs: Fingerprints, mine: Fingerprints, fewest: int) -> bool:
    """Whether ``mine`` holds ``SHARE`` of an answer's ``theirs`` (of at least ``fewest``)."""
    return len(theirs) >= fewest and len(theirs & mine) >= SHARE * len(theirs)


@functools.cache
def _common(named: bool = False, part: bool = False) -> Fingerprints:
    """The fingerprints of ``COMMON`` (``named``: its names as written), but its parts of
    answers (``PART``); of those alone if ``part``."""
    return frozenset().union(*(fingerprints(node, imports, named) for name in COMMON
                               for node, imports in _read(name, top=True)
                               if node.name.startswith(PART) == part))


@functools.cache
def _read(name: str, top: bool = False) -> list[tuple[Definition, dict[str, str]]]:
    """The definitions of one of the package's files (its top level's alone if ``top``),
    read once."""
    try:
        tree = ast.parse((Path(__file__).resolve().parent / name).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    imports = dict(bound for statement in tree.body for bound in imported(statement))
    nodes = [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.ClassDef))] if top else _walk(tree)[1]
    return [(node, imports) for node in nodes]
