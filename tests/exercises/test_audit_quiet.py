"""The audit hook returns at once for an event it has let pass before whatever its arguments
(``audit.QUIET``: most events, raised hundreds of thousands of times a grading), and never
for one it refuses or whose arguments it reads: those are checked at every event."""

import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import os, resource, sys
    from tinygrad_edu.exercises.learner import audit

    r, w = os.pipe()
    audit.install(w, [], [], set(), set())

    def refused(event, *args):
        try:
            sys.audit(event, *args)
        except PermissionError:
            return True
        return False

    said = []
    for n in range(3):
        sys.audit("tinygrad_edu.test.let_pass", n)  # (let pass, then remembered so)
        said.append(refused("os.system", b"true"))  # refused at every call
        said.append(refused("resource.prlimit", 1, 0))  # another process: refused
        said.append(not refused("resource.prlimit", os.getpid(), 0))  # its own: allowed
    for n in range(2 * audit.QUIET):  # more names than it remembers
        sys.audit(f"tinygrad_edu.test.name{n}")
    said.append(refused("os.system", b"true"))
    said.append(refused("resource.prlimit", 1, 0))
    lines = os.read(r, 1 << 16).decode().splitlines()
    print(all(said), len(said), len(lines))
""")


def test_an_event_let_pass_is_let_pass_again_and_one_refused_is_refused_every_time():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "11", "8"]  # (8 refusals, each said once a line)

