"""A headless Chromium from the operating system's packages, driven over the Chrome
DevTools protocol (the `websockets` package, already installed by google-genai).

Only what the review-page tests need: open a URL, evaluate JavaScript (awaiting
promises), and list every request the page made.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
MISSING = ("no Chromium found (looked for chromium, chromium-browser, google-chrome); "
           "install the OS package (`apt-get install -y chromium`, as .ci/run does) to run the browser tests")


def find_chromium() -> str | None:
    """The path of the system's Chromium, or None."""
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a test module; the module's browser tests skip, saying
    why, when the system has none."""
    executable = find_chromium()
    if executable is None:
        pytest.skip(MISSING)
    opened = Browser(executable)
    yield opened
    opened.close()


class Browser:
    """One headless Chromium with one page. Invariant: `requests` lists the URL of
    every request the page made since the last `open`, in order."""

    def __init__(self, executable: str):
        self._profile = tempfile.TemporaryDirectory(prefix="storybuild-chromium-")
        self._process = subprocess.Popen(
            [executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--mute-audio",
             "--autoplay-policy=no-user-gesture-required", "--allow-file-access-from-files",
             "--remote-debugging-port=0", f"--user-data-dir={self._profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = self._port(Path(self._profile.name) / "DevToolsActivePort")
        self._ids = itertools.count(1)
        self._exits = contextlib.ExitStack()
        self._socket = self._exits.enter_context(connect(self._page_socket(port), max_size=None, open_timeout=30))
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.call("Network.enable")
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _port(self, active: Path) -> int:
        for _ in range(300):  # Chromium writes the file once it listens
            if active.is_file() and active.read_text().strip():
                return int(active.read_text().split()[0])
            if self._process.poll() is not None:
                raise RuntimeError(f"chromium exited with code {self._process.returncode}")
            time.sleep(0.1)
        raise RuntimeError("chromium did not open its DevTools port")

    @staticmethod
    def _page_socket(port: int) -> str:
        from urllib.request import urlopen

        with urlopen(f"http://127.0.0.1:{port}/json/list") as answer:
            targets = json.load(answer)
        return next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")

    def call(self, method: str, **params) -> dict:
        """Send one command; return its result, recording the events that arrive first."""
        ident = next(self._ids)
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=120))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self._event(message)

    def _event(self, message: dict) -> None:
        if message.get("method") == "Network.requestWillBeSent":
            self.requests.append(message["params"]["request"]["url"])
        elif message.get("method") == "Runtime.exceptionThrown":
            self.errors.append(json.dumps(message["params"]["exceptionDetails"])[:500])

    def open(self, url: str) -> None:
        """Load `url` and wait until its document has loaded."""
        self.requests.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")

    def evaluate(self, expression: str):
        """The value of `expression` (a promise is awaited), or RuntimeError on an exception."""
        answer = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in answer:
            raise RuntimeError(json.dumps(answer["exceptionDetails"])[:500])
        return answer["result"].get("value")

    def wait_for(self, condition: str, timeout: float = 60.0) -> None:
        """Poll `condition` in the page until it is true; RuntimeError after `timeout`."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"!!({condition})"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {condition}")
            time.sleep(0.05)

    def close(self) -> None:
        try:
            self._exits.close()
        finally:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._profile.cleanup()
