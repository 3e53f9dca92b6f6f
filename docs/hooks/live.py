"""The live pages' runtime, copied into ``site/live/`` when the site is built (an MkDocs hook,
see mkdocs.yml): the pages that run the scalar engine in the reader's browser (the playground,
the exercises) load everything from there, and nothing from anywhere else.

- Python compiled to WebAssembly: the npm package ``pyodide``, only the files it loads at
  start (``PYODIDE_FILES``, about 13 MB of its 16), with one change (``SIGNAL_READ``: a Stop
  is never lost);
- Graphviz compiled to WebAssembly: the npm package ``@viz-js/viz`` (one ES module);
- the project's own wheel, built from the checkout at every build, and the pure-Python wheels
  it needs from PyPI (``WHEELS``: what the scalar engine, its drawing, its testing helpers and
  the exercises import), listed with the versions in ``live/manifest.json`` for the worker
  (docs/assets/live/worker.js) to unpack.

The versions are pinned here, and only here. What is fetched is kept in ``.cache/live/`` of
the checkout (npm's and pip's own caches keep it for a fresh clone too), so a second build
needs no network. ``npm`` comes from Debian's packages (``./run.sh docs`` installs it).

The pages themselves get their data when they are built, so that they show it at once (and
from disk): the playground its examples (docs/examples/*.py, in ``EXAMPLES`` order, each
titled by its first comment line), the exercises page every exercise's statement and starter,
"Watch it learn" the demo's moons points (``tinygrad_edu.viz.watch.demo_data``: made with NumPy
here, as ``python -m tinygrad_edu demo`` makes them, for a Python that has none).
And every Python block of a guide that the browser's Python can run (no NumPy, no tensors:
``runnable``) gets a link "Run this" that opens it in the playground, with the blocks it
continues (``<!-- continues -->``, as .ci/typecheck reads them).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "live"

NPM = {"pyodide": "314.0.7", "@viz-js/viz": "3.31.0"}
"""The npm packages, pinned. Pyodide 314 runs Python 3.14."""
PYTHON = "3.14"
"""The Python that Pyodide runs: the wheels must fit it."""
PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json", "package.json"]
"""What Pyodide loads to start (and its package.json, which names its version and licence)."""
SIGNAL_READ = ("let result=Module.Py_EmscriptenSignalBuffer[0];"
               "Module.Py_EmscriptenSignalBuffer[0]=0;return result")
SIGNAL_TAKEN = ("let result=Module.Py_EmscriptenSignalBuffer[0];if(result)result="
                "Atomics.exchange(Module.Py_EmscriptenSignalBuffer,0,0);return result")
"""How Pyodide reads the byte the page writes a signal to (its pyodide.asm.mjs,
``_Py_CheckEmscriptenSignals_Helper``, every 50 of Python's checks for one): it reads the
byte, then sets it to 0, two steps, and a signal the page wrote between them was lost. The
page's Stop, so lost, left the loop it stopped running, and 2 s later the page ended the
worker, "it did not stop when interrupted" (issue 66: 12 Stops of 750, in Chromium on a busy
machine). Copied into the site, the byte is set to 0 only where a signal was read, and then
in one step with its read (``SIGNAL_TAKEN``): a signal written at any moment is read, at
the latest at the next check. The build fails where a Pyodide reads it otherwise."""
VIZ_FILES = ["dist/viz.js", "package.json"]
WHEELS = {"hypothesis": "6.155.7", "sortedcontainers": "2.4.0", "graphviz": "0.21"}
"""Pure-Python wheels from PyPI: graphviz for draw_dot's DOT, hypothesis (and the one package
it needs on Python 3.14, sortedcontainers) for tinygrad_edu.testing and the exercises.
hypothesis publishes pure wheels up to 6.155.7; later versions are compiled for CPython only."""
MAX_MB = 20
"""The size limit of the live pages' runtime (what ``on_post_build`` copies into site/live/,
about 16 MB): the build fails above it. (The rest of the site, about 24 MB, grows with the
API reference, a page per module, each holding the whole menu.)"""
EXAMPLES = ["quickstart", "neuron", "lecture", "gradcheck", "gpt"]
"""The playground's examples, in the order its menu lists them (docs/examples/NAME.py)."""
DATA_MARK = re.compile(r"<!-- live-data: (examples|exercises|moons) -->")
PLAYGROUND = "playground.md"
LIVE_PAGES = {PLAYGROUND, "exercises-live.md", "watch.md"}


# ----------------------------------------------------------------------------- the pages


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    uri = page.file.src_uri
    if uri == "exercises-live.md":  # each exercise's address (#d_tanh), for links to it
        anchors = " ".join(f"[](){{#{ex['name']}}}" for ex in exercises())
        return f'{markdown}\n<div class="live-anchors" hidden markdown>\n{anchors}\n</div>\n'
    if uri in LIVE_PAGES or uri.startswith(("api/", "notebooks/")):
        return markdown
    return with_run_links(markdown, "../" * uri.count("/") + PLAYGROUND.replace(".md", ".html"))


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    def data(match: re.Match[str]) -> str:
        what = match.group(1)
        value = {"examples": examples, "exercises": exercises, "moons": moons}[what]()
        return f'<script type="application/json" id="{what}-data">{json_for_script(value)}' \
               "</script>"

    return DATA_MARK.sub(data, html_text)


def examples() -> list[dict[str, str]]:
    found = []
    for name in EXAMPLES:
        code = (ROOT / "docs" / "examples" / f"{name}.py").read_text(encoding="utf-8")
        title = code.splitlines()[0].removeprefix("#").strip()
        found.append({"name": name, "title": title, "code": code})
    return found


def exercises() -> list[dict[str, object]]:
    from tinygrad_edu.viz.playground import exercises

    return exercises()


def moons() -> dict[str, object]:
    """The demo's points and labels, its seed and its number of steps."""
    from tinygrad_edu.viz.watch import SEED, STEPS, demo_data

    X, y = demo_data(SEED)
    return {"X": X, "y": y, "seed": SEED, "steps": STEPS}


def json_for_script(data: object) -> str:
    """JSON that is safe inside <script>: no "</script>", no "<!--"."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


BLOCK = re.compile(r"^```python\n(.*?)^```[ \t]*$", re.S | re.M)
CONTINUES = "<!-- continues -->"
NOT_IN_THE_BROWSER = re.compile(
    r"numpy|\bnp\.|tinygrad_edu\.tensor|\bTensor\b|\btorch\b|matplotlib|mnist|ipywidgets|"
    r"step_slider|micrograd|tinygrad_edu\.train(ing\.fit)?\b|\bfit\(|__main__|subprocess|\bopen\(|"
    r"native_program|\.native\(\)")
"""What the browser's Python cannot run: NumPy and what stands on it, other packages, files
and programs of the reader's machine (a C compiler for a native program)."""


def runnable(code: str) -> bool:
    """Whether a block of a guide runs in the browser's Python."""
    return "tinygrad_edu" in code and not NOT_IN_THE_BROWSER.search(code)


def run_link(code: str, playground: str) -> str:
    encoded = base64.urlsafe_b64encode(code.encode("utf-8")).decode("ascii").rstrip("=")
    return (f'<p class="run-this"><a href="{playground}?code={encoded}" title="Open this code '
            f'in the playground, which runs it in your browser">Run this</a></p>')


def with_run_links(markdown: str, playground: str) -> str:
    """The page with a "Run this" link after each block that runs in the browser."""
    out, end, session = [], 0, ""
    for match in BLOCK.finditer(markdown):
        code = match.group(1)
        session = session + code if CONTINUES in markdown[end:match.start()] else code
        out.append(markdown[end:match.end()])
        end = match.end()
        if runnable(session):
            out.append("\n\n" + run_link(session, playground) + "\n")
    out.append(markdown[end:])
    return "".join(out)


# ----------------------------------------------------------------------------- the runtime


def on_post_build(config: MkDocsConfig) -> None:
    target = Path(config.site_dir) / "live"
    target.mkdir(parents=True, exist_ok=True)
    for package, files in (("pyodide", PYODIDE_FILES), ("@viz-js/viz", VIZ_FILES)):
        folder = npm_package(package, NPM[package])
        out = target / package.split("/")[-1]
        out.mkdir(exist_ok=True)
        for name in files:
            shutil.copyfile(folder / name, out / Path(name).name)
    python = target / "pyodide" / "pyodide.asm.mjs"
    python.write_text(signal_taken(python.read_text(encoding="utf-8")), encoding="utf-8")
    wheels = target / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    wheels.mkdir()
    found = [*pypi_wheels(), own_wheel()]
    for wheel in found:
        shutil.copyfile(wheel, wheels / wheel.name)
    manifest = {"pyodide": NPM["pyodide"], "viz": NPM["@viz-js/viz"], "python": PYTHON,
                "wheels": [wheel.name for wheel in found]}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n",
                                          encoding="utf-8")
    for source_map in Path(config.site_dir).rglob("*.js.map"):
        source_map.unlink()  # (the theme's, for debugging it: no reader's browser asks)
    size = sum(f.stat().st_size for f in Path(config.site_dir).rglob("*") if f.is_file())
    runtime = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    print(f"INFO    -  the live pages' runtime: {runtime / 1e6:.1f} MB in live/; the whole "
          f"site: {size / 1e6:.1f} MB", file=sys.stderr)
    if runtime > MAX_MB * 1e6:
        raise PluginError(f"the live pages' runtime is {runtime / 1e6:.1f} MB, more than "
                          f"{MAX_MB} MB: see what docs/hooks/live.py copies into site/live/")


def signal_taken(script: str) -> str:
    """Pyodide's pyodide.asm.mjs, its signal read as ``SIGNAL_TAKEN`` (see ``SIGNAL_READ``)."""
    if script.count(SIGNAL_READ) != 1:
        raise PluginError(f"Pyodide {NPM['pyodide']} does not read its signal byte as "
                          "docs/hooks/live.py expects (SIGNAL_READ): see there what to check")
    return script.replace(SIGNAL_READ, SIGNAL_TAKEN)


def run(command: list[str], what: str, hint: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              timeout=600)
    except FileNotFoundError:
        raise PluginError(f"{what}: {command[0]} is not installed; {hint}") from None
    if done.returncode:
        raise PluginError(f"{what} failed ({' '.join(command)}):\n{done.stdout}{done.stderr}")


def npm_package(name: str, version: str) -> Path:
    """The unpacked npm package NAME@VERSION, from .cache/live/ or fetched with ``npm pack``."""
    folder = CACHE / "npm" / f"{name.replace('/', '+')}-{version}"
    if (folder / "package.json").is_file():
        return folder
    with tempfile.TemporaryDirectory() as tmp:
        run(["npm", "pack", f"{name}@{version}", "--pack-destination", tmp, "--prefer-offline",
             "--silent"], f"fetching the npm package {name}@{version}",
            "sudo apt-get install npm (./run.sh docs does it), then build again")
        (tarball,) = Path(tmp).glob("*.tgz")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(unpacked, filter="data")
            else:  # (no filters before Python 3.10.12 and 3.11.4: Debian 12's 3.11.2) what
                # "data" allows of a package: its files and folders, each inside the folder
                odd = [m.name for m in tar.getmembers() if not (m.isfile() or m.isdir())
                       or m.name.startswith("/") or ".." in Path(m.name).parts]
                if odd:
                    raise PluginError(f"the npm package {name}@{version} holds what is not "
                                      f"a file or folder inside it: {', '.join(odd[:5])}")
                tar.extractall(unpacked)
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.move(unpacked / "package", folder)
    return folder


def pypi_wheels() -> list[Path]:
    """The pure-Python wheels of WHEELS, from .cache/live/ or fetched with ``pip download``."""
    folder = CACHE / "wheels"
    found, missing = [], []
    for name, version in WHEELS.items():
        wheel = next(folder.glob(f"{name}-{version}-*none-any.whl"), None)
        if wheel is None:
            missing.append(f"{name}=={version}")
        else:
            found.append(wheel)
    if missing:
        run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--only-binary=:all:", "--platform", "any", "--implementation", "py",
             "--abi", "none", "--python-version", PYTHON, "--dest", str(folder), *missing],
            "fetching the wheels for the browser", "pip comes with the virtual environment")
        return pypi_wheels()
    return found


def own_wheel() -> Path:
    """tinygrad_edu's wheel, built from the checkout as it is now: from a copy of its
    sources, so that setuptools leaves no build/ folder in the checkout (a folder named
    build would hide the build package from the tests) and reuses nothing stale."""
    out = CACHE / "own"
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        shutil.copytree(ROOT / "tinygrad_edu", source / "tinygrad_edu",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
            if (ROOT / name).exists():
                shutil.copyfile(ROOT / name, source / name)
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(source)],
            "building tinygrad_edu's wheel",
            "pip install 'setuptools>=77' (the docs extra has it)")
    (wheel,) = out.glob("tinygrad_edu-*.whl")
    return wheel
