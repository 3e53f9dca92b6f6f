"""Moved to ``tinygrad_edu.viz.watch``; this old path keeps working."""

import sys

from tinygrad_edu.viz import watch as _home
from tinygrad_edu.viz.watch import *  # noqa: F403 (for readers and type checkers)

sys.modules[__name__] = _home  # the very module: what is set on one is set on the other
