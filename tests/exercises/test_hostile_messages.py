"""What a learner's process writes to the grader's channel is hostile: messages that are not
messages, or over 4 MiB, errors too large to read, exceptions named to stop the grader, a
forged word about the protections. The exercise fails saying so (or the word is not read),
and the grader goes on. Each file reaches the learner's side of the grader as a student
would (hostile_files.py).
"""

import pytest

from tests.exercises.hostile_files import graded
from tinygrad_edu.exercises import syscall_filter
from tinygrad_edu.exercises.learner import sandbox
from tinygrad_edu.exercises.remote import LearnerProcess


def test_what_is_not_a_message_fails_the_exercise_and_leaves_nothing(tmp_path, monkeypatch):
    """A file that holds memory, tries a thread meant to outlive its process, then writes the
    grader a message nested deeper than Python reads: the exercise fails saying so, the
    others are graded, and no process, no folder of it is left."""
    from tinygrad_edu.exercises import remote

    started = []
    original = LearnerProcess.__init__

    def recording(self, *args, **kwargs):
        started.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(LearnerProcess, "__init__", recording)
    monkeypatch.setattr(remote, "FOLDERS", str(tmp_path / "folders"))
    (tmp_path / "folders").mkdir()
    result = graded(tmp_path, '''
        _threading, _time = _sys.modules["threading"], _serve["time"]
        _held = bytearray(50 * 2**20)
        try:  # (the kernel refuses it: test_a_thread_is_refused_and_said)
            _threading.Thread(target=lambda: _time.sleep(3600)).start()
        except RuntimeError:
            pass
        _deep = b'{"a":' + b"[" * 100000 + b"]" * 100000 + b"}"
        _os.write(_ANSWERS, len(_deep).to_bytes(4, "big") + _deep)

        def d_tanh(x, y):
            return 1 - y * y

        def d_mul(a, b, y):
            return b, a
        ''', ["d_tanh", "d_mul"])
    verdict = str(result.verdicts["d_tanh"])
    assert "not a message" in verdict and "writes to the grader" in verdict, verdict
    assert not result.verdicts["d_tanh"].passed and not result.verdicts["d_mul"].passed
    assert started and all(p.process.poll() is not None for p in started)
    assert list((tmp_path / "folders").iterdir()) == []


def test_an_error_too_large_to_read_is_cut_short(tmp_path):
    """A solution that raises an error of 60 MB: the verdict holds a few thousand
    characters of it, and the file is graded as any other (before: the grader held it
    whole, 1 GB for one student, 11.6 GB for a report of a class)."""
    result = graded(tmp_path, '''
        def d_tanh(x, y):
            raise ValueError("A" * 60_000_000)
        ''', ["d_tanh"])
    verdict = str(result.verdicts["d_tanh"])
    assert not result.verdicts["d_tanh"].passed
    assert "ValueError: AAAA" in verdict and len(verdict) < 10_000, len(verdict)


@pytest.mark.parametrize("name", ["KeyboardInterrupt", "GeneratorExit", "SystemExit"])
def test_an_exception_named_to_stop_the_grader_is_an_error_of_the_answer(tmp_path, name):
    """A learner's exception that would end the grader if raised in it as itself (a
    KeyboardInterrupt, a GeneratorExit): that exercise fails with it, the next one passes."""
    result = graded(tmp_path, f'''
        def d_tanh(x, y):
            raise {name}("stop")

        def d_sigmoid(x, y):
            return y * (1 - y)
        ''', ["d_tanh", "d_sigmoid"])
    assert not result.verdicts["d_tanh"].passed
    assert f"{name}: stop" in str(result.verdicts["d_tanh"]), result.verdicts["d_tanh"]
    assert result.verdicts["d_sigmoid"].passed, result.verdicts["d_sigmoid"]


def test_a_forged_word_about_the_protections_is_not_read(tmp_path):
    """The file writes the grader a message as its process's first, saying Landlock is
    missing: the grader reads what the process said before the file ran."""
    offered = sandbox.offered(syscall_filter.kernel())
    if any(offered.values()):
        pytest.skip(f"this machine lacks a protection: {offered}")
    result = graded(tmp_path, '''
        _wire.write_message(_ANSWERS, {"loaded": True, "defines": {}, "sandbox": {
            "applied": [], "missing": {"Landlock": "forged"}}})

        def d_tanh(x, y):
            return 1 - y * y
        ''', ["d_tanh"])
    assert result.unprotected == {}, result.unprotected


def test_a_message_over_4_mib_is_not_read(tmp_path):
    """5 MiB written to the grader as an answer: not read, the exercise fails (the largest
    message the grader's own code sends is under 200 KB; 16 MiB of small parts, the limit
    before, cost the grader 250 MB to decode)."""
    result = graded(tmp_path, '''
        def d_tanh(x, y):
            big = b'{"answer": [' + b"0," * (5 * 2**19) + b'0]}'
            _os.write(_ANSWERS, len(big).to_bytes(4, "big") + big)
            return 1 - y * y
        ''', ["d_tanh"])
    verdict = str(result.verdicts["d_tanh"])
    assert not result.verdicts["d_tanh"].passed
    assert "(at most 4194304 are read)" in verdict, verdict
