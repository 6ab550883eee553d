"""Crash suite: real renders killed with SIGKILL at seeded random points. After every
kill the whole store must still match its digests (checked by `verify`), and the
render must resume to a video of the right length."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from conftest import run_cli, write_story
from mediacheck import probe
from test_render import FPS, layout

KILLS = 7
SEED = 6


def render_until_killed(project, lines_before_kill: int, delay: float) -> bool:
    """Start a render and SIGKILL it (with its ffmpeg children: the whole process
    group, as a power cut would) `delay` seconds after its `lines_before_kill`-th
    progress line. Returns False when it finished before the kill point."""
    process = subprocess.Popen([sys.executable, "-m", "storybuild", "render", str(project)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    seen = 0
    while seen < lines_before_kill and process.stderr.readline():
        seen += 1
    time.sleep(delay)
    finished = process.poll() is not None
    if not finished:
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    return not finished


def test_renders_killed_at_random_points_leave_a_sound_store_and_resume(tmp_path, small_story):
    write_story(tmp_path, small_story)
    chance = random.Random(SEED)
    killed = 0
    for _ in range(KILLS):
        killed += render_until_killed(tmp_path, chance.randint(0, 4), chance.uniform(0.0, 0.4))
        check = run_cli("verify", str(tmp_path))
        assert check.returncode == 0, check.stdout + check.stderr
    assert killed >= KILLS - 2  # the kills really landed inside renders

    run_cli("render", str(tmp_path), check=True)
    assert run_cli("status", str(tmp_path)).returncode == 0
    assert run_cli("verify", str(tmp_path)).returncode == 0
    info = probe(tmp_path / "build" / "whiskers-and-buster-s-rainbow-day.mp4")
    frames = layout(tmp_path)[0].frames  # cards, scenes and the fades' black, from the voices
    assert info["frames"] == frames
    assert abs(info["duration"] - frames / FPS) <= 1 / FPS
    assert abs(info["audio_duration"] - frames / FPS) <= 1 / FPS
