"""Serve the built site on 127.0.0.1: ``./run.sh docs --serve``, or
``python docs/hooks/serve.py [SITE] [--port N]``.

The live pages (the playground, the exercises in the browser) run Python compiled to
WebAssembly in a worker, which browsers start only for a page that a server sent. Any static
server does (a class website, GitHub Pages, ``python -m http.server``); this one also names
the types of the files Python's own may not know (``.mjs``, ``.wasm``, ``.whl``), answers
only this machine, and keeps quiet about each request. tests/viz/test_live_pages.py serves the
site with it.
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
PORT = 8000
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
         ".json": "application/json", ".whl": "application/zip", ".zip": "application/zip",
         ".svg": "image/svg+xml", ".ipynb": "application/x-ipynb+json"}


class Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **TYPES}
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        # Cross-origin isolation: the live pages may then share memory with their Python
        # worker, and Stop interrupts Python instead of loading it again (docs/assets/live/
        # live.js). Every file of the site comes from here, so nothing is refused.
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def server(site: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server of ``site`` on 127.0.0.1:``port`` (0: any free port), not yet serving."""
    handler = functools.partial(Handler, directory=str(site))
    return ThreadingHTTPServer((HOST, port), handler)


def in_background(site: Path) -> tuple[ThreadingHTTPServer, str]:
    """The site served from a thread, on a free port, and its address (for the tests)."""
    httpd = server(site)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://{HOST}:{httpd.server_address[1]}/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the built site on 127.0.0.1.")
    parser.add_argument("site", nargs="?", default="site", type=Path)
    parser.add_argument("--port", type=int, default=None,
                        help=f"the port (default: {PORT}, or the next free one)")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site} holds no built site: run ./run.sh docs first", file=sys.stderr)
        return 1
    ports = [args.port] if args.port is not None else range(PORT, PORT + 20)
    for port in ports:
        try:
            httpd = server(args.site, port)
            break
        except OSError as error:
            last = error
    else:
        print(f"cannot serve on {HOST}:{ports[-1]}: {last}; pick another with --port",
              file=sys.stderr)
        return 1
    print(f"Serving {args.site.resolve()} at http://{HOST}:{httpd.server_address[1]}/ "
          "(open it in a browser; Ctrl-C stops)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print()
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
