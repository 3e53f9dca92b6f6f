"""The weight that the cases of compile() an independent attacker found after issue 64's first
parts read (test_tested_by_identity.py, test_sets_gone_through.py,
test_changes_at_every_call.py, test_numpy_inside.py, test_decimal_and_json.py): ``W``, one
Value for all of them, never changed."""

from tinygrad_edu import Value

W = Value(0.5)
