"""Progress as a user and a tool see it: a live bar with an ETA on a terminal, one
plain line per event in a pipe, JSON lines for tools, nothing with --quiet; the count
only grows."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys

import pytest

from conftest import run_cli, write_story
from storybuild.events import KINDS, StepEvent
from storybuild.progress import Estimate, Progress, format_seconds

LINE = re.compile(r"^\[(\d+)/(\d+)\] +\d+\.\ds (start|built|restored|fresh|FAILED|skipped|DAMAGED|waiting) +(\S+)")


def event(kind: str, step: str, done: int, total: int = 4, seconds: float | None = None, message: str = ""):
    return StepEvent(kind, step, done, total, 1.0, seconds, message)


def test_pipe_lines_are_one_per_event_and_damage_never_lowers_the_count():
    out = io.StringIO()
    progress = Progress(out, interactive=False)
    for e in (event("fresh", "image/a", 1), event("start", "voice/a", 1), event("built", "voice/a", 2, seconds=1.25),
              event("fresh", "clip/a", 3), event("damaged", "voice/a", 1, message="stored output 0123 removed"),
              event("start", "voice/a", 1), event("built", "voice/a", 2, seconds=1.0), event("fresh", "clip/a", 3),
              event("skipped", "video", 4, message="needs x")):
        progress(e)
    assert out.getvalue().splitlines() == [
        "[1/4]   1.0s fresh    image/a",
        "[1/4]   1.0s start    voice/a",
        "[2/4]   1.0s built    voice/a (1.2s)",
        "[3/4]   1.0s fresh    clip/a",
        "[3/4]   1.0s DAMAGED  voice/a: stored output 0123 removed; 2 steps to redo",
        "[3/4]   1.0s start    voice/a",
        "[3/4]   1.0s built    voice/a (1.0s)",
        "[3/4]   1.0s fresh    clip/a",
        "[4/4]   1.0s skipped  video (needs x)",
    ]


def test_the_bar_shows_the_count_elapsed_eta_and_what_runs():
    out = io.StringIO()
    progress = Progress(out, interactive=True, expected={"voice/a": 4.0, "voice/b": 2.0}, parallel=2)
    progress(event("fresh", "image/a", 1, total=3))
    progress(event("start", "voice/a", 1, total=3))
    bar = progress.bar()
    assert re.fullmatch(r"\[######\.{14}\] 1/3 steps  \d+\.\ds  ETA 3s  running: voice/a", bar), bar
    assert out.getvalue().startswith("\r\x1b[K[######")
    assert "fresh" not in out.getvalue()  # a step that needed nothing is not worth a line on a terminal


def test_the_estimate_uses_last_times_then_this_renders_pace():
    estimate = Estimate({"voice/a": 4.0, "voice/b": None, "clip/a": None}, parallel=2)
    assert estimate.seconds_left(0.0) is None  # voice/b and clip/a never ran: nothing to go on yet
    estimate.update(StepEvent("built", "voice/a", 1, 3, 2.0, seconds=3.0))
    # voice/b counts as the mean voice (3 s), clip/a as the mean of any step (3 s); the
    # pace so far is 3 s of work in 2 s of wall time.
    assert estimate.seconds_left(2.0) == pytest.approx(6.0 / 1.5)
    estimate.update(StepEvent("start", "voice/b", 1, 3, 2.0))
    assert estimate.seconds_left(3.0) == pytest.approx((2.0 + 3.0) / 1.0)
    # A first render: a kind's rough estimate stands in until one of its steps finished.
    first = Estimate({"clip/a": None, "clip/b": None}, parallel=2, defaults={"clip": 1.0})
    assert first.seconds_left(0.0) == pytest.approx(1.0)
    first.update(StepEvent("built", "clip/a", 1, 2, 3.0, seconds=3.0))
    assert first.seconds_left(3.0) == pytest.approx(3.0)


def test_seconds_read_short_and_round_up():
    assert [format_seconds(s) for s in (0.2, 8.0, 59.5, 65, 3725)] == ["1s", "8s", "1m00s", "1m05s", "1h02m"]


def counters(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(r"(?<![\d/])(\d+)/(\d+)(?: steps|\])", text)]


def render_on_a_terminal(project, *args: str) -> str:
    """Run a render with stderr and stdout on a pseudo-terminal; everything it drew."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "storybuild", "render", *args, str(project)],
                               stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 600)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the child closed the terminal
            chunk = b""
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=600)
    os.close(leader)
    assert process.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_real_render_in_a_pipe_on_a_terminal_and_for_tools(tmp_path, small_story):
    write_story(tmp_path, small_story)
    piped = run_cli("render", str(tmp_path), check=True)
    lines = piped.stderr.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), [line for line, m in zip(lines, parsed) if not m]
    done = [int(m[1]) for m in parsed]
    assert done == sorted(done) and done[-1] == int(parsed[-1][2]) == 19
    settled = [m[4] for m in parsed if m[3] != "start"]
    assert len(settled) == len(set(settled)) == 19  # each step once: one line per event
    assert sorted(m[4] for m in parsed if m[3] == "start") == sorted(m[4] for m in parsed if m[3] == "built")

    drawn = render_on_a_terminal(tmp_path, "--force", "garden")
    seen = counters(drawn)
    assert seen and [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (19, 19)
    assert re.search(r"\[#*\.*\] \d+/19 steps  \d+\.\ds  ETA \d+s", drawn)  # last time's durations: an ETA
    assert "built    voice/garden (" in drawn and not re.search(r"\ds fresh ", drawn)

    tools = run_cli("render", "--progress", "json", "--force", "voice/garden", str(tmp_path), check=True)
    events = [json.loads(line) for line in tools.stderr.splitlines()]
    starts = [e["step"] for e in events if e["kind"] == "start"]
    assert {e["kind"] for e in events} <= set(KINDS) and len(events) == 19 + len(starts)  # every step settles once
    assert sorted(starts) == sorted(e["step"] for e in events if e["kind"] == "built")
    assert starts[0] == "voice/garden"
    assert set(events[0]) == {"kind", "step", "done", "total", "elapsed", "seconds", "message"}

    quiet = run_cli("render", "--quiet", "--force", "voice/garden", str(tmp_path), check=True)
    assert quiet.stderr == "" and re.match(r"built \d+, restored 0, fresh \d+ in \d+\.\ds: ", quiet.stdout)
    assert len(quiet.stdout.splitlines()) == 1
