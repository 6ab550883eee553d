"""Headless browsers from the operating system's packages: Chromium, driven over the
Chrome DevTools protocol, and Firefox, driven over WebDriver BiDi (built into Firefox:
no driver program), both through the `websockets` package (installed by google-genai).

Only what the review-page tests need: open a URL, evaluate JavaScript (awaiting
promises), and list every request the page made and every error it logged.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
MISSING = ("no Chromium found (looked for chromium, chromium-browser, google-chrome); "
           "install the OS package (`apt-get install -y chromium`, as .ci/run does) to run the browser tests")


FIREFOX_MISSING = ("no Firefox found (looked for firefox-esr, firefox); install the OS packages "
                   "(`apt-get install -y firefox-esr libavcodec59`, as .ci/run does) to run the Firefox tests")


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


class _Page:
    """What both browsers share: one page driven over a websocket of JSON commands
    ({"id", "method", "params"}), answered by id, with events in between. Invariant:
    `requests` lists the URL of every request the page made since the last `open`, in
    order; `errors` every error the page logged. A subclass starts its browser (setting
    `_process`, `_profile`, `_socket`) and says how it reports a failed command
    (`_failure`), an event (`_event`), loading a page and evaluating in it."""

    _process: subprocess.Popen
    _profile: tempfile.TemporaryDirectory

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._exits = contextlib.ExitStack()
        self.requests: list[str] = []
        self.errors: list[str] = []

    def call(self, method: str, **params) -> dict:
        """Send one command; return its result, recording the events that arrive first."""
        ident = next(self._ids)
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=120))
            if message.get("id") == ident:
                failure = self._failure(message)
                if failure is not None:
                    raise RuntimeError(f"{method}: {failure}")
                return message["result"]
            self._event(message)

    def _failure(self, message: dict) -> str | None:
        raise NotImplementedError

    def _event(self, message: dict) -> None:
        raise NotImplementedError

    def evaluate(self, expression: str):
        raise NotImplementedError

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


class Browser(_Page):
    """One headless Chromium with one page, over the Chrome DevTools protocol."""

    def __init__(self, executable: str):
        super().__init__()
        self._profile = tempfile.TemporaryDirectory(prefix="storybuild-chromium-")
        self._process = subprocess.Popen(
            [executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--mute-audio",
             "--autoplay-policy=no-user-gesture-required", "--allow-file-access-from-files",
             "--remote-debugging-port=0", f"--user-data-dir={self._profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = self._port(Path(self._profile.name) / "DevToolsActivePort")
        self._socket = self._exits.enter_context(connect(self._page_socket(port), max_size=None, open_timeout=30))
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

    def _failure(self, message: dict) -> str | None:
        return str(message["error"]) if "error" in message else None

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


@pytest.fixture(scope="module")
def firefox():
    """One headless Firefox for a test module; its tests skip, saying why, without one."""
    executable = next((path for path in map(shutil.which, ("firefox-esr", "firefox")) if path), None)
    if executable is None:
        pytest.skip(FIREFOX_MISSING)
    opened = Firefox(executable)
    # Firefox on Linux plays H.264 through the system's libavcodec: without it no MP4
    # plays anywhere, which says nothing about storybuild's films.
    if not opened.evaluate("document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.64001F\"')"):
        opened.close()
        pytest.skip("this Firefox cannot play H.264 (no libavcodec); install the OS package libavcodec59")
    yield opened
    opened.close()


class Firefox(_Page):
    """One headless Firefox with one page, over WebDriver BiDi."""

    def __init__(self, executable: str):
        super().__init__()
        self._profile = tempfile.TemporaryDirectory(prefix="storybuild-firefox-")
        # Muted playback needs no gesture; this also lets the tests call play() at once.
        Path(self._profile.name, "user.js").write_text('user_pref("media.autoplay.default", 0);\n', "utf-8")
        self._process = subprocess.Popen(
            [executable, "--headless", "--no-remote", "--profile", self._profile.name,
             "--remote-debugging-port", str(_free_port()), "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self._socket = self._exits.enter_context(connect(self._listening() + "/session", max_size=None,
                                                         open_timeout=30))
        self.call("session.new", capabilities={})
        self._context = self.call("browsingContext.getTree")["contexts"][0]["context"]
        self.call("session.subscribe", events=["network.beforeRequestSent", "log.entryAdded"])

    def _listening(self, timeout: float = 60.0) -> str:
        """The WebDriver BiDi address Firefox prints on stderr once it listens (a Firefox
        silent for `timeout` seconds is killed, so a test fails instead of hanging)."""
        watchdog = threading.Timer(timeout, self._process.kill)
        watchdog.start()
        try:
            for line in self._process.stderr:
                found = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
                if found:
                    # Keep reading stderr, so a chatty Firefox never blocks on a full pipe.
                    threading.Thread(target=self._process.stderr.read, daemon=True).start()
                    return found.group(1)
        finally:
            watchdog.cancel()
        raise RuntimeError(f"firefox exited with code {self._process.wait()} before it listened")

    def _failure(self, message: dict) -> str | None:
        return f"{message.get('error')}: {message.get('message')}" if message.get("type") == "error" else None

    def _event(self, message: dict) -> None:
        params = message.get("params", {})
        if message.get("method") == "network.beforeRequestSent":
            self.requests.append(params["request"]["url"])
        elif message.get("method") == "log.entryAdded" and params.get("level") == "error":
            self.errors.append(json.dumps(params)[:500])

    def open(self, url: str) -> None:
        """Load `url` and wait until its document has loaded."""
        self.requests.clear()
        self.call("browsingContext.navigate", context=self._context, url=url, wait="complete")

    def evaluate(self, expression: str):
        """The value of `expression` (a promise is awaited), or RuntimeError on an exception."""
        answer = self.call("script.evaluate", expression=expression, target={"context": self._context},
                           awaitPromise=True)
        if answer["type"] != "success":
            raise RuntimeError(json.dumps(answer.get("exceptionDetails"))[:500])
        return _value(answer["result"])


def _value(remote: dict):
    """A WebDriver BiDi serialized value as Python (strings, numbers, booleans, null,
    undefined, arrays and plain objects: what the tests ask for)."""
    kind = remote["type"]
    if kind in ("undefined", "null"):
        return None
    if kind == "array":
        return [_value(item) for item in remote["value"]]
    if kind == "object":
        return {key: _value(item) for key, item in remote["value"]}
    if kind in ("string", "number", "boolean"):
        return remote["value"]
    raise ValueError(f"a {kind} value is not read by these tests")


def _free_port() -> int:
    """A port free on 127.0.0.1 now (Firefox takes no port 0 for its remote agent)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
