"""The assignment the big courses' routes grade (issue 58) in test_otter.py,
test_prairielearn.py, test_partial_credit.py and test_tool_images.py: its exercises and
points, wrong answers, a submission's source, and the schema of PrairieLearn's results."""

from pathlib import Path

from tests.exercises.class_work import IMPORTS, answer

NAMES = ["d_mul", "d_tanh", "dense_backward"]
POINTS = {"d_mul": 1, "d_tanh": 2, "dense_backward": 3}
POINTS_OPTION = ",".join(f"{n}={p}" for n, p in POINTS.items())
SCHEMA = Path(__file__).with_name("prairielearn_results.schema.json")

WRONG = {  # (d_tanh: the input for the output; dense_backward: db not summed, dX and dW right)
    "d_tanh": "def d_tanh(x, y):\n    return 1 - x * x\n",
    "dense_backward": "def dense_backward(X, W, b, dZ):\n    return dZ @ W.T, X.T @ dZ, dZ\n",
}


def source(wrong=(), head=""):
    return "import numpy as np\n" + head + IMPORTS + "\n\n".join(
        WRONG[n] if n in wrong else answer(n) for n in NAMES)
