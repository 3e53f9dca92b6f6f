"""The frames of a traceback in a learner's code, as the learner reads them: on both sides of
the process boundary (the learner's process says where its code failed, for the command
line and every teacher's route; the grader's own process grades the page's answers).

A call stopped as it began is left out: where a watch sees each line of the learner's code
(``fixed_point.lines_watched``, a trace function), a recursion goes past the limit as the
watch is called for a new frame, whose only line is then its ``def``. The line the learner
reads is the one that calls, in the frame below, as without a watch."""

from __future__ import annotations

import traceback
from collections.abc import Callable

__all__ = ["learners_frames"]


def learners_frames(error: BaseException, mine: Callable[[traceback.FrameSummary], bool]
                    ) -> list[traceback.FrameSummary]:
    """The frames ``error`` passed through that are ``mine`` (a frame's line is looked up only
    once it is: a learner's file's lines are in ``linecache``), less a call of a recursion
    stopped at its ``def`` line."""
    frames = [f for f in traceback.StackSummary.extract(traceback.walk_tb(error.__traceback__),
                                                        lookup_lines=False) if mine(f)]
    while isinstance(error, RecursionError) and len(frames) > 1 and \
            frames[-1].name == frames[-2].name and \
            (frames[-1].line or "").startswith(("def ", "async def ")):
        frames.pop()  # (Python 3.11.2 ends such a traceback with two frames at the def line)
    return frames
