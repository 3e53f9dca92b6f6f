"""The parameters that the tests of where a compiled function's numbers come from read
(test_places_walked.py, test_randomness_and_state.py, test_written_and_said.py,
test_followed_numbers.py, test_held_where_no_walk_leads.py): ``W`` and a list ``PARAMS``, one
object each for all of them. A test that changes one in place puts it back."""

from tinygrad_edu import Value

W = Value(2.0)
PARAMS = [Value(1.0), Value(-2.0)]
