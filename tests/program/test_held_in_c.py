"""Objects of installed packages whose numbers are held where a walk of their attributes does
not reach them, read inside a compiled function and changed in place between calls: a pandas
``DataFrame`` or ``Series`` (its blocks' arrays are a Cython attribute of its manager;
``df.at[...] = ...`` changes one in place), a Pillow image (its pixels in C, drawn on in
place). Each is guarded by what it holds (``kinds.numbers_of``): captured again, said, the
engine's numbers. Before (a64e's F2, F3), the program kept the first capture's numbers,
silently; and a ``DataFrame`` read with ``.loc`` or a ``Series`` read by its label raised
``AttributeError: readonly attribute`` at the second call (a64c's L1: a Cython function's
``__vectorcalloffset__`` taken for a number it wrote)."""

import warnings

import pytest

from tests.program.against_engine import same
from tinygrad_edu import Value
from tinygrad_edu.program import compile
from tinygrad_edu.program.capture import ProgramWarning

np = pytest.importorskip("numpy")
W, B = Value(2.0), Value(1.0)


def _each_call(f, leaves, changes, native):
    """``f`` compiled, called once per change (made before the call): the engine's numbers
    at each; the warnings said."""
    step = compile(f, native=native)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        for change in changes:
            change()
            same(step, f, leaves)
    return step, [str(w.message) for w in said if w.category is ProgramWarning]


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("how", ["to_numpy", "values", "loc", "at"])
def test_a_dataframe_changed_in_place_is_read_again(how, native):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.5]})
    rows = {"to_numpy": lambda: df.to_numpy(), "values": lambda: df.values,
            "loc": lambda: [(df.loc[i, "x"], df.loc[i, "y"]) for i in range(len(df))],
            "at": lambda: [(df.at[i, "x"], df.at[i, "y"]) for i in range(len(df))]}[how]

    def loss():
        return sum((W * x + B - y) ** 2 for x, y in rows())

    def at(y):
        return lambda: df.at.__setitem__((2, "y"), y)

    def iat(y):
        return lambda: df.iat.__setitem__((2, 1), y)

    step, said = _each_call(loss, [W, B], [at(6.5), at(6.5), at(7.5), iat(8.5), iat(8.5)],
                            native)
    assert step.captures == 3 and step.runs == 2, said
    assert all("captured again because df" in s for s in said) and said, said


@pytest.mark.parametrize("native", [True, False])
def test_a_series_read_by_its_label_is_read_again_when_it_or_its_index_changes(native):
    pd = pytest.importorskip("pandas")
    hp = pd.Series([0.1, 0.2], index=["lr", "wd"])

    def loss():
        return W * hp["lr"] + W * W * hp["wd"]

    def relabel():
        hp.index = ["wd", "lr"]  # (the same numbers, other labels: the same bytes of values)

    step, said = _each_call(loss, [W], [lambda: None, lambda: None, relabel,
                                        lambda: hp.iat.__setitem__(0, 0.5)], native)
    assert step.captures == 3 and step.runs == 1, said


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("how", ["asarray", "getpixel", "getdata"])
def test_a_pillow_image_drawn_on_in_place_is_read_again(how, native):
    image_module = pytest.importorskip("PIL.Image")
    draw_module = pytest.importorskip("PIL.ImageDraw")
    canvas = image_module.new("L", (2, 2), 0)
    read = {"asarray": lambda: list(np.asarray(canvas, dtype=float).ravel() / 255.0),
            "getpixel": lambda: [canvas.getpixel((1, 1)) / 255.0],
            "getdata": lambda: [x / 255.0 for x in canvas.getdata()]}[how]

    def loss():
        return sum((W * p + B) ** 2 for p in read())

    def point(fill):
        return lambda: draw_module.Draw(canvas).point((1, 1), fill=fill)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # (Pillow's, of getdata)
        step, said = _each_call(loss, [W, B], [point(0), point(0), point(80),
                                               lambda: canvas.putpixel((0, 0), 200)], native)
    assert step.captures == 3 and step.runs == 1, said
    assert all("captured again because canvas" in s for s in said) and said, said


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("how", ["array", "categorical"])
def test_a_pandas_array_set_in_place_is_read_again(how, native):
    """a64f's F2: a pandas array held outside that is no DataFrame, Series or Index (a
    column's ``.array``, a ``Categorical`` of labels: its numbers a Cython attribute, outside
    ``__dict__``) set in place: guarded by its pickle, as a DataFrame is (before, the program
    kept the first capture's numbers, silently)."""
    pd = pytest.importorskip("pandas")
    if how == "array":
        held = pd.Series([1.0, 2.0, 3.0]).array

        def read():
            return held[2]

        def set_to(k):
            return lambda: held.__setitem__(2, 3.0 + k)
    else:
        held = pd.Categorical(["cat", "dog", "cat"])

        def read():
            return float(held.codes[2])

        def set_to(k):
            return lambda: held.__setitem__(2, ("cat", "dog")[k])

    def loss():
        return (W * 2.0 + B - read()) ** 2

    step, said = _each_call(loss, [W, B], [set_to(0), set_to(0), set_to(1), set_to(1)],
                            native)
    assert step.captures == 2 and step.runs == 2, said
    assert said and all("captured again because held" in s for s in said), said


@pytest.mark.parametrize("native", [True, False])
def test_what_an_images_getdata_gives_held_outside_is_guarded_by_its_pixels(native):
    """a64f's F1: ``DATA = CANVAS.getdata()`` (Pillow's ``ImagingCore``: the image's pixels
    themselves) held outside, the canvas drawn on: guarded by its pixels (before, by identity:
    the program kept the first capture's pixel, silently)."""
    image_module = pytest.importorskip("PIL.Image")
    draw_module = pytest.importorskip("PIL.ImageDraw")
    canvas = image_module.new("L", (2, 2), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # (Pillow's, of getdata)
        data = canvas.getdata()

    def loss():
        return (W * (data[3] / 255.0) + B - 1.0) ** 2

    def point(fill):
        return lambda: draw_module.Draw(canvas).point((1, 1), fill=fill)

    step, said = _each_call(loss, [W, B], [point(0), point(0), point(40), point(40)], native)
    assert step.captures == 2 and step.runs == 2, said
    assert said and all("captured again because data" in s for s in said), said


@pytest.mark.parametrize("native", [True, False])
def test_an_images_pixel_access_held_outside_is_refused_naming_the_line(native):
    """a64f's F1: ``PX = CANVAS.load()`` (Pillow's ``PixelAccess``) holds nothing that leads
    back to the image: refused, naming the line, saying to read the image itself (before, a
    pixel drawn was never seen)."""
    image_module = pytest.importorskip("PIL.Image")
    canvas = image_module.new("L", (2, 2), 0)
    px = canvas.load()

    def loss():
        return (W * (px[1, 1] / 255.0) + B - 1.0) ** 2

    with pytest.raises(RuntimeError, match=r"it reaches px \(a closure cell\), a Pillow "
                       r"PixelAccess .*read the image itself \(img\.getpixel.*, at "
                       r"test_held_in_c\.py:\d+: return \(W \* \(px\[1, 1\]"):
        compile(loss, native=native)()


def test_memory_read_by_its_address_is_refused():
    """``ctypes.c_double.from_address(ADDR).value`` of a buffer changed between calls: before,
    the capture's number at every call (an attacker's, a64k S7a); now refused, naming the line
    (Python's audit event ``ctypes.cdata``)."""
    import ctypes

    w = Value(2.0)
    buffer = ctypes.create_string_buffer(8)
    address = ctypes.addressof(buffer)
    with pytest.raises(RuntimeError, match=r"it reads memory by its address \(ctypes' "
                       r"from_address\).* at test_held_in_c\.py:\d+: "):
        compile(lambda x: w * x * ctypes.c_double.from_address(address).value,
                native=False)(1.5)


@pytest.mark.parametrize("how", ["held", "bound", "opened", "loaded"])
def test_a_c_library_called_through_ctypes_is_refused(how):
    """libc's ``rand()`` called through ctypes, reseeded between calls: what the library keeps
    is not Python's to see, and its call raises no audit event. Before, the capture's
    ``rand()`` at every call where the engine drew 12, 12, 3 (an attacker's, a64k S7b); now
    refused, naming the line: a library or its function reached from outside (held, bound),
    or one opened inside (``ctypes.dlopen``: ``CDLL``, ``cdll.LoadLibrary``)."""
    import ctypes

    w = Value(2.0)
    libc = ctypes.CDLL(None)
    rand = libc.rand
    calls = {"held": lambda: libc.rand(), "bound": lambda: rand(),
             "opened": lambda: ctypes.CDLL(None).rand(),
             "loaded": lambda: ctypes.cdll.LoadLibrary(None).rand()}
    call = calls[how]

    def loss(x):
        return w * x * float(call() % 5 + 1)

    which = {"held": r"libc \(a closure cell\), a CDLL,",
             "bound": r"rand \(a closure cell\), a _FuncPtr,"}.get(how, "a C library")
    with pytest.raises(RuntimeError, match=rf"it calls {which} through ctypes: what it gives "
                       r"can depend on what the library keeps.* at test_held_in_c\.py:\d+: "):
        compile(loss, native=False)(1.5)
