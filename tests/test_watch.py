"""`storybuild watch` end to end: the real command, its real server, a real headless
Chromium on the page, and real edits of story.yaml."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from urllib.error import HTTPError
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from browser import browser  # noqa: F401 - a fixture
from conftest import run_cli, still_story, write_story
from storybuild.watch import Watched

NEW_LINE = "One sunny morning, Whiskers the cat and Buster the puppy played hide and seek among the tulips."


@pytest.fixture(scope="module")
def watching(tmp_path_factory):
    """`storybuild watch --port 0` on the small 3-scene example; yields (root, url, process)."""
    document = still_story()
    root = tmp_path_factory.mktemp("watch")
    write_story(root, document)
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    log = open(tmp_path_factory.mktemp("watch-log") / "stderr.txt", "w+")  # read back if it will not stop
    process = subprocess.Popen([sys.executable, "-m", "storybuild", "watch", "--port", "0", str(root)],
                               stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    first = process.stdout.readline()
    assert first.startswith(f"watching {root / 'story.yaml'} and the files it names; review page at http://127.0.0.1:")
    url = first.split(" at ")[1].split()[0]
    assert process.stdout.readline().startswith("built 19, restored 0, fresh 0 in ")
    process.log = log
    yield root, url, process
    log.close()
    if process.poll() is None:
        process.kill()
        process.wait()


def test_watched_files_change_when_saved_created_or_removed(tmp_path):
    story, music = tmp_path / "story.yaml", tmp_path / "music.m4a"
    story.write_text("a")
    watched = Watched.of([story, music])
    assert not watched.changed()
    story.write_text("ab")
    assert watched.changed()
    watched = Watched.of([story, music])
    music.write_bytes(b"x")
    assert watched.changed()


def test_an_edit_shows_on_the_page_and_errors_show_as_a_banner(watching, browser):
    root, url, process = watching
    browser.open(url)
    browser.wait_for("document.querySelectorAll('article.card').length === 3")
    assert browser.evaluate("document.querySelector('.summary').textContent").startswith("19 built, 0 fresh in ")
    story = root / "story.yaml"
    original = story.read_text("utf-8")

    heard = _listen(url)  # what the server tells the pages while this edit renders
    story.write_text(original.replace("played chase in the flower garden", "played hide and seek among the tulips"))
    browser.wait_for(f"document.querySelector('#scene-garden .narration').textContent === {NEW_LINE!r}")
    # While it rendered, the pages were told which steps ran (fresh ones say nothing).
    running = [event["message"] for event in heard if event["state"] == "rendering" and event["message"]]
    assert any("running: voice/garden" in message for message in running), heard
    assert all(re.match(r"\d+/19 steps", message) for message in running), running
    assert process.stdout.readline().startswith("built 4, restored 0, fresh 15 in ")
    changed = browser.evaluate("[...document.querySelectorAll('article.card.changed')].map(c => c.dataset.scene)")
    assert changed == ["garden"]
    # The film is cued where the changed scene starts.
    browser.wait_for("Math.abs(document.getElementById('film').currentTime - "
                     "parseFloat(document.getElementById('scene-garden').dataset.start)) < 0.1")
    assert browser.evaluate("document.getElementById('film').src").split("?v=")[1] != ""

    story.write_text(re.sub(r"^title:", "titel:", original, count=1, flags=re.M))
    browser.wait_for("!document.getElementById('live').hidden && "
                     "document.getElementById('live').className === 'error'")
    banner = browser.evaluate("document.getElementById('live').textContent")
    assert banner.startswith("Error: 2 problems in the story file:\n")
    assert banner.endswith(":2:1: titel: unknown field; did you mean 'title'?")
    assert process.stdout.readline() == "Error: 2 problems in the story file:\n"

    story.write_text(original)  # fixed: the earlier outputs come back from the store
    browser.wait_for("document.querySelector('.summary').textContent.startsWith('0 built, 3 restored')")
    assert browser.evaluate("document.getElementById('live').className") == ""
    outside = [u for u in browser.requests if not u.startswith((url, "data:"))]
    assert outside == [] and browser.errors == []


def test_a_second_watch_is_refused_and_the_store_is_not_served(watching):
    root, url, process = watching
    second = run_cli("watch", "--port", "0", str(root))
    assert second.returncode == 3
    assert "another storybuild is working on this project" in second.stderr
    with pytest.raises(HTTPError) as refused:
        urlopen(url + ".storybuild/current.json", timeout=5)
    assert refused.value.code == 404  # the store is never served


def test_ctrl_c_stops_the_watch_while_a_page_keeps_its_connection_open(watching):
    root, url, process = watching
    # A browser tab keeps its HTTP/1.1 connection open after loading the page; the
    # server must not wait for it to close before stopping.
    address = url.split("//")[1].rstrip("/").split(":")
    tab = socket.create_connection((address[0], int(address[1])), timeout=10)
    tab.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert tab.recv(12) == b"HTTP/1.1 200"
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(30)
        process.log.seek(0)
        assert code == 0, process.log.read()[-4000:]  # the watchdog's thread dump, if it fired
    finally:
        tab.close()
    assert process.stdout.read().endswith("stopped watching\n")
    with pytest.raises(OSError):
        urlopen(url, timeout=5)


def test_byte_ranges_are_read_as_players_ask_for_them():
    from storybuild.review_server import _requested_range

    assert _requested_range("", 1000) == (0, 999, False)
    assert _requested_range("bytes=0-", 1000) == (0, 999, True)
    assert _requested_range("bytes=100-199", 1000) == (100, 199, True)
    assert _requested_range("bytes=900-5000", 1000) == (900, 999, True)
    assert _requested_range("bytes=-100", 1000) == (900, 999, True)
    start, end, _ = _requested_range("bytes=2000-", 1000)
    assert start > end  # 416: nothing there


def _listen(url: str) -> list[dict]:
    """Every event the watch's /events stream sends from now on, collected in the
    background into the returned list (the stream lives as long as the server)."""
    heard: list[dict] = []
    connection = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=60)
    connection.request("GET", "/events")
    answer = connection.getresponse()

    def read() -> None:
        try:
            for raw in answer:
                if raw.startswith(b"data: "):
                    heard.append(json.loads(raw[6:]))
        except OSError:
            pass
    threading.Thread(target=read, daemon=True).start()
    return heard
