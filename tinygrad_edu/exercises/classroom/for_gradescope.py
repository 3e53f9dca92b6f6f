"""An assignment for Gradescope's autograder: ``DIR/autograder.zip`` and the starter file
the students fill in, ``DIR/NAME.py``.

The zip holds, at its root, ``setup.sh`` (Gradescope runs it once to build the image: it
installs tinygrad_edu from the wheel the zip carries, with hypothesis, NumPy, tqdm and
graphviz, offline when ``--wheels DIR`` put their wheels in ``wheels/``) and
``run_autograder`` (run for each submission: ``exercises check ... --format gradescope``
writes ``/autograder/results/results.json``, a test per exercise whose output is the verdict
and its diagnosis; the root is ``$GRADESCOPE_ROOT`` when that is set).
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from tinygrad_edu.exercises.classroom.assignment import AssignmentError, points_text, template
from tinygrad_edu.exercises.classroom.wheel import project_wheel
from tinygrad_edu.exercises.exercise import ExerciseSpec
from tinygrad_edu.exercises.starters import starter_file

__all__ = ["gradescope_assignment"]


def gradescope_assignment(exercises: Sequence[ExerciseSpec], points: Mapping[str, float],
                          folder: Path, name: str, wheel: Path | None = None,
                          wheels: Path | None = None, partial: bool = False,
                          unsandboxed: bool = False) -> list[Path]:
    """Write ``folder/autograder.zip`` and ``folder/NAME.py`` (see the module's docstring);
    return their paths."""
    file = f"{name}.py"
    extra = sorted(wheels.glob("*.whl")) if wheels is not None else []
    if wheels is not None and not extra:
        raise AssignmentError(f"--wheels {wheels}: no .whl file there; fill it with, for "
                              "example: pip download --only-binary=:all: --python-version 3.10 "
                              f"--platform manylinux2014_x86_64 -d {wheels} 'hypothesis>=6.90' "
                              "numpy tqdm graphviz attrs sortedcontainers exceptiongroup")
    folder.mkdir(parents=True, exist_ok=True)
    zip_path = folder / "autograder.zip"
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-gradescope-") as tmp:
        carried = project_wheel(Path(tmp), wheel)
        setup = template("setup.sh", {"WHEEL": carried.name})
        run = template("run_autograder", {
            "FILE": file, "EXERCISES": " ".join(ex.name for ex in exercises),
            "POINTS": ",".join(f"{ex.name}={points_text(points[ex.name])}" for ex in exercises),
            "PARTIAL": (" --partial" if partial else "")
            + (" --allow-unsandboxed" if unsandboxed else "")})
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "setup.sh", setup.encode("utf-8"), executable=True)
            _add(archive, "run_autograder", run.encode("utf-8"), executable=True)
            _add(archive, carried.name, carried.read_bytes())
            for path in extra:
                _add(archive, f"wheels/{path.name}", path.read_bytes())
    starter = folder / file
    starter.write_text(starter_file(file, exercises), encoding="utf-8")
    return [zip_path, starter]


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, data)
