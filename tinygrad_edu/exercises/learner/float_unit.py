"""The x87 floating-point unit set to a double's precision in the learner's process (x86).

There NumPy's long double (``np.longdouble``: 80 bits, 64 of them its mantissa's) and the C
library's long-double functions compute on the x87 unit, whose precision control belongs to
the process: set to a double's 53 bits, their sums and products round as a float's do. A
numerical derivative taken in long doubles, however the learner's code keeps them (an array,
a record's fields, bytes read back with ``np.frombuffer``, a view of a ``uint8`` array, which
the watches cannot all see), is then no more exact than one in floats, which the exact points
refuse (``shortcuts.EXACT_NUMBERS``): a65h's k7 and f65h's neighbours of it, a central
difference of order six in long doubles kept as bytes, off by 4.4e-16 of d_tanh before, by
2.4e-13 at a double's precision. A float's arithmetic (SSE2) is not the x87 unit's, so no rule
written with floats changes; no honest rule needs a long double's extra digits.

Set once, as the process starts, before the learner's code is loaded (``serve.main``), with
the C library's ``fegetenv`` and ``fesetenv``. Elsewhere (ARM's long double is a 128-bit float
computed in software) nothing is set. Code that sets the unit back (through ``ctypes``) runs in
the learner's process: a diagnosis, not a boundary.
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["PRECISION_BITS", "double_precision"]

PRECISION_BITS = 0x300
"""The x87 control word's precision control: 0x000 a float32's 24 bits, 0x200 a double's 53,
0x300 the extended 64 (the default)."""
_DOUBLE = 0x200


def double_precision() -> bool:
    """Set this process's x87 precision control to a double's 53 bits; whether it was set
    (on x86 only)."""
    if os.uname().machine not in ("x86_64", "i386", "i686"):
        return False
    try:
        libm = ctypes.CDLL("libm.so.6")
    except OSError:
        return False
    state = (ctypes.c_ubyte * 64)()  # (fenv_t: the x87 state's 28 bytes, the SSE word after)
    if libm.fegetenv(state) != 0:
        return False
    word = (state[0] | state[1] << 8) & ~PRECISION_BITS | _DOUBLE
    state[0], state[1] = word & 0xFF, word >> 8
    return bool(libm.fesetenv(state) == 0)
