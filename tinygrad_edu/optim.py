"""Moved to ``tinygrad_edu.training.optim``; this old path keeps working."""

import sys

from tinygrad_edu.training import optim as _home
from tinygrad_edu.training.optim import *  # noqa: F403 (for readers and type checkers)

sys.modules[__name__] = _home  # the very module: what is set on one is set on the other
