"""tinygrad_edu.exercises.starters and model_answers: the model answers pass, graded as a
learner's file is; each starter's head with its model answer's body under it is that answer;
and the file of starters is the one ``exercises start`` has always written."""

import textwrap
from pathlib import Path

import pytest

from tinygrad_edu.exercises import EXERCISES, model_answers
from tinygrad_edu.exercises.cli import main as cli
from tinygrad_edu.exercises.starters import model_answer_body, starter_file, starter_head


def test_every_model_answer_passes_graded_as_a_learners_file(tmp_path, capsys):
    path = tmp_path / "answers.py"
    path.write_text(Path(model_answers.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    assert cli(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{len(EXERCISES) - 1} of {len(EXERCISES) - 1} attempted exercises pass" in out
    assert "1 not in the file" in out  # Value: the lecture's, in lecture.py


@pytest.mark.parametrize("name", list(EXERCISES))
def test_a_starters_head_with_the_model_answers_body_is_that_answer(name):
    ex = EXERCISES[name]
    head, body = starter_head(ex), model_answer_body(ex)
    assert "NotImplementedError" not in head and head.startswith(ex.definition.split(":")[0])
    assert body.startswith("    ") and not body.startswith("     ")
    namespace = {}
    exec("import math\nimport numpy as np\n" + head + "\n" + body, namespace)
    assert EXERCISES[name].check(namespace[name]).passed


def test_the_starter_file_is_what_start_writes(tmp_path, capsys):
    path = tmp_path / "mine.py"
    chosen = [EXERCISES["d_tanh"], EXERCISES["dense_backward"]]
    assert cli(["start", str(path), "d_tanh", "dense_backward"]) == 0
    assert path.read_text(encoding="utf-8") == starter_file("mine.py", chosen, numbered=True)
    assert starter_file("mine.py", chosen, numbered=True).startswith(textwrap.dedent('''\
        """My solutions to the tinygrad_edu exercises. Grade them with
        python -m tinygrad_edu exercises check mine.py

        A function that still raises NotImplementedError is not written yet: it earns no points."""

        import math

        import numpy as np

        from tinygrad_edu import walk


        # 5. the derivative of tanh'''))
    assert "import numpy" not in starter_file("mine.py", chosen[:1])


def test_an_assignments_statements_stand_alone():
    """A file of a few exercises, as an assignment hands it out (its route's statements are
    the same texts): headed by name, not by the set's numbers (before: 5, 15, 18 in a file
    of three); no statement leans on another exercise, a table or a section the assignment
    may not hold (before: "or use your topological_sort", "as in backward_step", "The
    activation table gives it as"), but the engine's own names (Value, backward), which
    every assignment has; code in single backquotes (before: RST's double ones); and a
    starter still raising NotImplementedError named as its verdict names it."""
    import re

    import tinygrad_edu
    from tinygrad_edu.exercises import TRACK

    engine = {name for name in EXERCISES
              if name in tinygrad_edu.__all__ or hasattr(tinygrad_edu.Value, name)}
    for ex in EXERCISES.values():
        others = {n for n in EXERCISES if n != ex.name and n not in engine
                  and re.search(rf"\b{n}\b", ex.statement)}
        assert not others, (ex.name, others)
        assert not re.search(r"\b(?:the|this|that) (?:\w+ )?(?:table|figure|section|chapter|"
                             r"exercise)\b", ex.statement, re.I), ex.name
    chosen = [EXERCISES[n] for n in ("d_tanh", "backward", "Value")]
    made = starter_file("mine.py", chosen)
    heads = [line for line in made.splitlines() if re.match(r"# \S+: ", line)]
    assert heads == [f"# {ex.symbol}: {ex.title}" for ex in chosen], heads
    assert not re.search(r"^# \d+\. ", made, re.M) and "``" not in made
    stage = next(iter(TRACK.values()))
    assert f"# stage {stage.number} of microgpt: " in starter_file("gpt.py", [stage])
    namespace = {}
    exec(chosen[0].starter, namespace)
    said = str(EXERCISES["d_tanh"].check(namespace["d_tanh"]))
    assert "not written yet" in said and "NotImplementedError is not written yet" in made, said
