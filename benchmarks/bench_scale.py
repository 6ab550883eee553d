"""How planning and `status` scale with the number of scenes.

Stories of N scenes (still pictures, 480p, offline providers) are written to a temp
folder. For each N, every figure is one cold `storybuild status` process:

- plan, never built: the first `status` (loads and validates story.yaml, builds the
  graph, decides every step: the first ones stale, the rest blocked);
- status, built: `status` after a build. The build is simulated through the real
  Store (each step's output is a small file derived from its key, stored, traced and
  linked into build/ exactly as a render does), because rendering 1,000 scenes for
  real takes many minutes on these machines; `status` does the same work either way:
  one trace read per step, one stat per object and per view;
- peak RSS of that status process (VmHWM), and below the table the KB of peak RSS
  each added scene costs, between the smallest and the largest N (target: ~3 KB).

Memory cannot be quite flat: `status` decides the steps one at a time and keeps none
of them (nor their traces), but some things grow with the story by nature, and the
per-scene figure is honest about them: the story's text and its Project (~0.3 KB a
scene); the film's timeline, one entry per item and per seam, which the soundtrack
and video steps carry in their params (~0.5 KB); the output digest of each decided
step, which later steps key on (the video step keys on nearly all of them: ~1 KB);
the record of objects seen intact (checked.json, packed: 56 bytes an object, ~5
objects a scene); and, briefly, the trace of the video step, whose key parts list
every scene. A never-built story's status lists every step (they all would run), so
that row's memory grows with what it prints.

    python benchmarks/bench_scale.py                      # 250 500 1000 2000, plan 10000
    python benchmarks/bench_scale.py --sizes 100 1000 --plan 5000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

# The peak RSS of the status process itself: VmHWM of its own memory map. Not
# ru_maxrss: a child started from this (large) process inherits the parent's RSS at
# fork time in ru_maxrss, which hid every saving below that size.
STATUS = ("import atexit, sys\n"
          "def peak():\n"
          "    with open('/proc/self/status') as status:\n"
          "        line = next(line for line in status if line.startswith('VmHWM:'))\n"
          "    print('maxrss', line.split()[1], file=sys.stderr)\n"
          "atexit.register(peak)\n"
          "sys.argv = ['storybuild', 'status', sys.argv[1]]\n"
          "from storybuild.cli import run\nrun()\n")


def write_story(folder: Path, scenes: int) -> None:
    folder.mkdir(parents=True)
    document = {
        "version": 1, "title": f"A story of {scenes} scenes", "style": "crayon",
        "video": {"resolution": 480, "motion": False, "captions": False},
        "scenes": [{"id": f"s{n}", "image": f"a cat in a garden {n}", "narration": f"The cat waited {n}."}
                   for n in range(scenes)],
    }
    (folder / "story.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def simulate_build(folder: Path) -> int:
    """Record every step as built through the real Store; returns the step count."""
    from storybuild.api import Session
    from storybuild.plan import STALE, decide, key_parts
    from storybuild.store import Trace

    planned = Session(folder, remote="").plan()
    store, digests = planned.store, {}
    store.meta.mkdir(parents=True, exist_ok=True)
    for step in planned.steps:
        decision = decide(step, store, digests)
        assert decision.state == STALE
        workdir = store.new_workdir()
        outputs = {}
        for name in step.views or {"segment.mp4": ""}:
            (workdir / name).write_text(f"{name} for {decision.key}")
            outputs[name] = store.put_file(workdir / name)
        trace = Trace(decision.key, step.id, key_parts(step, digests), outputs)
        store.record(trace)
        store.link_views(step.id, trace, step.views)
        digests[step.id] = trace.digest
    store.save_checked()
    return len(planned.steps)


def status(folder: Path) -> tuple[float, int, int]:
    """(wall seconds, exit code, peak RSS in KB) of one cold `storybuild status`."""
    env = {**os.environ, "STORYBUILD_REMOTE": ""}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", STATUS, str(folder)], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    rss = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("maxrss"))
    return seconds, done.returncode, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000])
    parser.add_argument("--plan", type=int, default=10000, help="scenes of the never-built plan figure")
    options = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    print(f"{'scenes':>7} {'steps':>6} {'plan, never built':>18} {'status, built':>14} {'peak RSS':>9}")
    peaks = {}  # scenes -> peak RSS (KB) of status, built
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for scenes in options.sizes:
            folder = Path(tmp) / f"n{scenes}"
            write_story(folder, scenes)
            plan_seconds, _, _ = status(folder)
            steps = simulate_build(folder)
            seconds, code, peaks[scenes] = status(folder)
            assert code == 0, "the simulated build should be up to date"
            print(f"{scenes:>7} {steps:>6} {plan_seconds:>16.2f} s {seconds:>12.2f} s {peaks[scenes] / 1024:>6.1f} MB")
        folder = Path(tmp) / f"plan{options.plan}"
        write_story(folder, options.plan)
        seconds, _, rss = status(folder)
        print(f"{options.plan:>7} {'':>6} {seconds:>16.2f} s {'(not built)':>14} {rss / 1024:>6.1f} MB")
    low, high = min(peaks), max(peaks)
    if high > low:
        per_scene = (peaks[high] - peaks[low]) / (high - low)
        print(f"peak RSS of status, built, per added scene ({low} -> {high} scenes): {per_scene:.2f} KB")
    print(f"load average {os.getloadavg()[0]:.2f} at the end; targets: status of 1,000 built scenes < 0.5 s, "
          "plan of 10,000 < 5 s, peak RSS per added scene <= ~3 KB")


if __name__ == "__main__":
    main()
