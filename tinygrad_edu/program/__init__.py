"""A graph becomes a program: capture a function of Values once (``compile``), read the
program as Python, run it natively (``native.py``), hand it to PyTorch (``torch.py``).

The rooms: ``tape.py`` (a graph as a flat list of steps over numbered slots), ``reading.py``
(the one place that reads a node's fields), ``source.py`` and ``program.py`` (the tape as
Python, run), ``capture.py`` (``compile``; ``built.py``, a capture built as the program it
keeps), with ``arguments.py`` (a call's arguments as a capture reads them; ``named.py``, the
lists it also names from outside, given as themselves), ``traced.py`` (the plain numbers a
capture follows; ``number_steps.py``, the functions its steps compute; ``learners_code.py``,
whose code runs and the learner's line), ``places.py``, ``walk.py``,
``kinds.py``, ``outside.py``, ``returned.py``, ``held.py``, ``states.py`` and ``guards.py``
(numbers from outside the arguments: where they are, how they are found, what a capture
takes each thing it finds for, what a capture does with them while it runs and once the
function returned, where a number found nowhere else is held, what an object it does not
look into holds, the guards at every call),
``left.py`` (a followed number left outside, put back), ``randomness.py`` (random draws;
``followed_arrays.py``, an array drawn or given, followed item by item),
``identity.py`` (what the code tests with ``is``; ``nans.py``, a NaN found by identity;
``aliases.py``, numbers found outside that are one object),
``seen.py`` (Python's own that take a float), ``sets.py`` and ``addresses.py`` (sets and
sorts in the order of addresses),
``watching.py`` (what a capture changes while it runs; ``outside_calls.py``, its
``os.environ``, ``import_module``, ``open`` and ``io.FileIO``; ``settings.py``, the settings
Python's library reads for the code: guarded) and ``refused.py`` (what it refuses there),
``world.py`` (what holds the world's state: a connection, a stream, an iterator; a refused
function held by another name), ``warned.py`` (the warnings it issues, issued again
at every call), ``captured.py``
(the captured graph as a tape), ``answers.py`` (what a compiled function returns: each
Value a ``Result``) and ``explain.py`` (``explain()``, ``verify=``);
``native.py`` and ``native.c`` (``numpy_numbers.py``: NumPy's numbers computed there as
NumPy does); ``torch.py``.
The engine knows nothing of them.
This folder may import the scalar engine's files and ``nn`` (a model made with it, for
``to_torch``); ``training`` (``fit(compile=True)``), ``viz`` (the playground) and
``commands`` (the demo) import it.

What a capture changes while it runs, and why (each only while a capture runs, seen by the
capture's thread alone, put back when the last capture ends; ``watching.py``):

- **Value's ways to give its number to code** (``data``, ``item``, ``detach``, ``float``,
  formatting, ``repr``, comparisons, truth, ``Value(...)``): the learner's code reads a
  number there, and no engine can say so without knowing of tools; ``.grad``,
  ``local_grads`` (under each of its names: microgpt's ``_local_grads``, which ``grad()``
  reads), ``_data_before`` and ``backward()`` refuse there, naming the line; ``_prev`` is a
  set of the learner's (gone through, refused where it holds Values made in the call). Its
  ``label`` where a Value has none (the class's: a branch on it is guarded) and, once the
  learner's code that names it starts, its ``_data`` (read by that code as ``.data``) and
  the fields of its local derivatives (``_da``...: refused): ``fields.py``.
- **The engine's node builders** (module globals the operators call: ``engine.apply``,
  ``sums.many``): so that a node made before the capture (given, or kept
  outside) is known as such, an unused node still raises as the engine's, and an op that
  raised where the code caught the error raises again. The engine keeps one builder per
  kind of row (a row of one or two operands, a row of lists); a capture wraps each.
- **Python's ``max``, ``min``, ``sum``, ``print``, ``math``'s functions, ``statistics``'
  functions of a list of numbers, the clock (also where another module holds it under a
  name the learner's code reads, ``timeit.default_timer``), ``os.urandom`` (and
  ``random``'s own name for it, from which NumPy seeds a generator made with no seed;
  ``numpy.random.RandomState``, so that one given a seed is not), what reads the interpreter's
  state or the file system (``gc.get_objects``, ``sys.getrefcount``, ``sys.getsizeof``,
  ``os.path.exists``, ``Path.exists``; ``id`` in the learner's module: ``refused.READERS``;
  ``operator.is_`` of a number read, as ``a.data is b.data``), ``random``'s and
  ``numpy.random``'s global generators** (and the same functions where the learner's module
  imported them by name): over followed numbers they are steps of the program (``sum`` as
  the running Python sums), a print is said once, a random draw is an input drawn again from
  the same stream; the clock, the interpreter's state and the file system are refused.
- **``logging.Logger.handle``, ``sys.stdout`` and ``sys.stderr``**: a line logged or written
  out is said once, as a print is (``written_out.py``); the two streams are C objects whose
  methods cannot be put in place, so each is an object of the capture's that writes to it.
- **The collector's first threshold**: 0 while a capture runs (no collection: what one
  runs, finalizers and ``gc.callbacks``, is not the function's), where ``gc.disable()`` would
  tell a library asking ``gc.isenabled()`` (``timeit``) otherwise than the engine's call.
- **Reading ``os.environ``** (its class's ``__getitem__``; ``__iter__`` and ``__len__``, as
  it is read whole: refused): Python keeps no list of the variables code read, and each one
  read is guarded. These stay in place from the first
  capture on (outside a capture they call Python's own): a class changed at every capture
  is one Python 3.13 stops seeing change after a thousand.
- **What asks for a setting Python's library keeps** (a logger's ``getEffectiveLevel``,
  ``argparse``'s ``parse_known_args`` of ``sys.argv``, ``calendar.firstweekday``,
  ``decimal.getcontext``, NumPy's ``geterr`` and ``getbufsize``, ``sys.get_int_max_str_digits``,
  the locale's, the process's limits and signal handlers: ``settings.py``): what it says is
  guarded, as a place's text is; no walk reaches it.
- **``open``** (``builtins``' and ``io``'s, which ``pathlib`` and NumPy call), **``io.FileIO``
  and ``io.open_code``**: a file the learner's code reads is refused (what it holds can change
  between calls), one it writes is said once.
- **``decimal.Decimal``, ``json.dumps``/``dump``, ``pickle.dumps``/``dump``** (``seen.py``):
  Python's own take a followed number only as a float object; there it is its number, a
  constant guarded to the bit (what they make is the engine's: a Decimal, a text, bytes).
  A class (``Decimal``, ``datetime.datetime``) leaves its module's dict and the module's
  ``__getattr__`` gives it: the capture's thread meets the stand-in, another thread the
  class itself (its ``type(d) is decimal.Decimal`` stays true).
- **Starting a thread or a process** (``_thread``'s functions, which every ``Thread``,
  ``Timer`` and pool calls; a pool's ``submit``, ``apply``, ``map``; ``os.fork``,
  ``posix_spawn``, ``fork_exec``): refused where the learner's code does it (a capture
  follows its own thread; another process gives back numbers it cannot follow).
- **The learner's module** gets a ``type`` of its own while the capture runs (``type(x) is
  float`` of a followed number is its number's type), a ``float`` where its code only
  ever calls it (``float(x)`` followed), and a ``set`` and a ``frozenset`` (going through one
  that holds Values made in the call is refused: its order is their addresses; a set made
  with braces of such Values, as a Value's hash sees it, too).
- **The learner's classes whose objects hash or show themselves by address** (object's
  ``__hash__``, object's ``__repr__``: a plain class, a dataclass with ``eq=False``) get a
  ``__hash__`` and a ``__repr__`` of the capture's (``addresses.py``): Python's own set made
  with braces hashes its items unseen, and ``repr``, ``str`` and an f-string show an
  address; an object made in the call hashed into one, or shown, is refused. ``vars(HP)``
  shows HP's names without the capture's; ``HP.__dict__``, ``HP.__hash__`` or
  ``HP.__repr__`` read where the code names HP (``type(x).__repr__``, ``__hash__`` too) is
  refused, with the line (reached another way, ``getattr(HP, "__repr__")``, it is not seen).
"""

from __future__ import annotations

from tinygrad_edu.program.capture import Compiled, Result, compile

__all__ = ["Compiled", "Result", "compile"]
