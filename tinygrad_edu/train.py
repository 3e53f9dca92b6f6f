"""Moved to ``tinygrad_edu.training.fit``; this old path keeps working."""

import sys

from tinygrad_edu.training import fit as _home
from tinygrad_edu.training.fit import *  # noqa: F403 (for readers and type checkers)

sys.modules[__name__] = _home  # the very module: what is set on one is set on the other
