"""SIDE EFFECTS: the local web server of `storybuild watch`.

It serves a project's build/ folder on 127.0.0.1 only (the review page at `/`, the
media it names, with byte ranges so players can seek) and `/events`, a stream of
server-sent events saying when a render starts, finishes or meets an error. Hidden
files (the store under build/.storybuild) and anything outside build/ are never served.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
_TYPES = {".vtt": "text/vtt; charset=utf-8", ".srt": "text/plain; charset=utf-8",
          ".html": "text/html; charset=utf-8", ".json": "application/json"}
_KEEPALIVE = 15.0  # seconds between comments on an idle event stream (proxies drop silent ones)


class Hub:
    """The latest watch state, handed to every event stream. Invariant: `version` grows
    by one with every `announce`, so a stream sends each state at most once."""

    def __init__(self):
        self._changed = threading.Condition()
        self.version = 0
        self.event: dict = {"state": "rendering", "message": ""}
        self.closing = False

    def announce(self, state: str, message: str = "") -> None:
        """Tell every open page: state is "rendering", "rendered" or "error"."""
        with self._changed:
            self.version += 1
            self.event = {"state": state, "message": message, "version": self.version}
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> tuple[int, dict | None]:
        """(version, event) once a state newer than `seen` exists, or (seen, None) after
        `timeout` seconds or when the server closes."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen or self.closing, timeout)
            if self.version == seen or self.closing:
                return seen, None
            return self.version, dict(self.event)

    def close(self) -> None:
        with self._changed:
            self.closing = True
            self._changed.notify_all()


class ReviewServer(ThreadingHTTPServer):
    """Serves `build_dir` and the events of `hub` on 127.0.0.1:`port` (0: any free port)."""

    daemon_threads = True

    def __init__(self, build_dir: Path, hub: Hub, port: int, placeholder: bytes):
        self.build_dir = Path(build_dir)
        self.hub = hub
        self.placeholder = placeholder  # shown at / until the first render wrote the page
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                  name="review-server", daemon=True)
        thread.start()
        return thread

    def handle_error(self, request, client_address) -> None:
        # A browser drops media requests whenever the viewer seeks: not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def stop(self) -> None:
        self.hub.close()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass  # a request log would drown the render output

    def do_HEAD(self):
        self._serve(body=False)

    def do_GET(self):
        if urlsplit(self.path).path == "/events":
            self._events()
        else:
            self._serve(body=True)

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True  # the stream ends only when the page or the server goes
        seen = -1  # send the current state at once: a page opened after an error shows it
        hub = self.server.hub
        try:
            if hub.version:
                seen = hub.version
                self._send_event(dict(hub.event))
            while not hub.closing:
                seen, event = hub.wait(seen, _KEEPALIVE)
                self.wfile.write(b": ping\n\n" if event is None else b"")
                if event is not None:
                    self._send_event(event)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away

    def _send_event(self, event: dict) -> None:
        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode("utf-8"))
        self.wfile.flush()

    def _serve(self, body: bool) -> None:
        path = self._file()
        if path is None and urlsplit(self.path).path in ("/", "/index.html"):
            return self._send(HTTPStatus.OK, "text/html; charset=utf-8", self.server.placeholder, body)
        if path is None:
            return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n", body)
        with open(path, "rb") as handle:  # opened once, sized from the open file: a render
            size = os.fstat(handle.fileno()).st_size  # replacing the view cannot tear the answer
            start, end, ranged = _requested_range(self.headers.get("Range", ""), size)
            if start > end:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                return self.end_headers()
            self.send_response(HTTPStatus.PARTIAL_CONTENT if ranged else HTTPStatus.OK)
            if ranged:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self._headers(_content_type(path), end - start + 1)
            if body:
                _copy_range(handle, self.wfile, start, end - start + 1)

    def _send(self, status: HTTPStatus, kind: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self._headers(kind, len(data))
        if body:
            self.wfile.write(data)

    def _headers(self, kind: str, length: int) -> None:
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _file(self) -> Path | None:
        """The file under build/ the request names: never a hidden one, never outside."""
        parts = [p for p in unquote(urlsplit(self.path).path).split("/") if p]
        if not parts:
            parts = ["index.html"]
        if any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
            return None
        root = os.path.realpath(self.server.build_dir)
        path = os.path.realpath(os.path.join(root, *parts))
        if not path.startswith(root + os.sep) or not os.path.isfile(path):
            return None
        return Path(path)


def _content_type(path: Path) -> str:
    return _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _requested_range(header: str, size: int) -> tuple[int, int, bool]:
    """(first byte, last byte, whether a range was asked) of a Range header against a
    file of `size` bytes; first > last when the range cannot be satisfied."""
    match = _RANGE.match(header)
    if not match or not (match[1] or match[2]):
        return 0, size - 1, False
    if match[1]:
        return int(match[1]), min(int(match[2]) if match[2] else size - 1, size - 1), True
    return max(0, size - int(match[2])), size - 1, True


def _copy_range(source, target, start: int, length: int, chunk: int = 1 << 20) -> None:
    """Send `length` bytes of `source` from `start` a chunk at a time: a whole film is
    never held in memory for one request."""
    source.seek(start)
    while length > 0:
        data = source.read(min(chunk, length))
        if not data:
            break
        target.write(data)
        length -= len(data)
