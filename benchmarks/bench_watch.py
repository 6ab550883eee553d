"""Benchmark the edit loop: one narration edited under a warm `storybuild watch`, and
the same kind of edit rendered by a cold `storybuild render`, on the 12-scene example
with still pictures (`video.motion: false`).

Every figure comes from ONE run of this script (these machines are shared and noisy,
so figures from different runs do not compare):

  - edit-to-page: from the write of story.yaml to the moment the watch's event stream
    says the render finished and the new page (with the new narration) has been fetched
    from its server; median of 5 edits, each a new text (so each edit synthesises a new
    voice, never a restore), with the steps' own seconds from the watch's progress lines;
  - a cold `render` after one more such edit, as a share of a cold full render;
  - MoviePy re-composing the whole video from the same pictures and narration (the
    seed's way: every edit pays all of it), against that cold edit.

    python benchmarks/bench_watch.py            # ~2 min
    python benchmarks/bench_watch.py --json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import bench_render as bench  # benchmarks/ is sys.path[0] when run as a script

EDITS = 5
EDIT_TARGET = 1.5  # seconds, edit-to-page with a warm watch
COLD_SHARE_TARGET = 0.15  # a cold edit render as a share of a full render
MOVIEPY_TARGET = 15.0  # MoviePy re-composition / cold edit render
SUMMARY = re.compile(r"^(built|up to date)")


class Watcher:
    """A `storybuild watch --port 0` process and its event stream."""

    def __init__(self, project: Path):
        self.process = subprocess.Popen([sys.executable, "-m", "storybuild", "watch", "--port", "0", str(project)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.process.stdout.readline()
        if " review page at " not in first:
            raise SystemExit(f"watch did not start: {first}{self.process.stderr.read()[-2000:]}")
        self.port = int(first.split("http://127.0.0.1:")[1].split("/")[0])
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self.events: queue.Queue[dict] = queue.Queue()
        for target in (self._read_stdout, self._read_stderr, self._read_events):
            threading.Thread(target=target, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line)

    def _read_events(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request("GET", "/events")
        answer = connection.getresponse()
        for raw in answer:
            if raw.startswith(b"data: "):
                self.events.put(json.loads(raw[6:]))

    def next_render(self, timeout: float = 120.0) -> dict:
        """The next "rendered" or "error" event."""
        while True:
            event = self.events.get(timeout=timeout)
            if event["state"] in ("rendered", "error"):
                return event

    def page(self) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request("GET", "/")
        return connection.getresponse().read().decode("utf-8")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(60)
        return "".join(self.stderr)


def new_text(original: str, index: int) -> str:
    words = ["lanterns", "fireflies", "owls", "ribbons", "pinecones", "acorns", "moths"]
    return original.rstrip(".!?") + f", and {index + 2} little {words[index % len(words)]} glowed."


def edit(story: Path, old: str, new: str) -> None:
    text = story.read_text("utf-8")
    if text.count(old) != 1:
        raise SystemExit(f"{story}: the narration to edit is not one plain line")
    story.write_text(text.replace(old, new), "utf-8")


def warm_edits(project: Path, scene_line: str, log) -> dict:
    """EDITS edits under one watch: edit-to-page seconds and the steps' own seconds."""
    import html

    watcher = Watcher(project)
    try:
        first = watcher.next_render()
        if first["state"] != "rendered":
            raise SystemExit(f"the first render of the watch failed: {first['message']}")
        time.sleep(3.0)  # the watch loads the narrator after its first render; a person opens the page first
        current, times, totals = scene_line, [], []
        for index in range(EDITS):
            text = new_text(scene_line, index)
            started = time.perf_counter()
            edit(project / "story.yaml", current, text)
            event = watcher.next_render()
            while event["message"].startswith("up to date"):  # a save seen half-written, then whole
                event = watcher.next_render()
            page = watcher.page()
            times.append(time.perf_counter() - started)
            if event["state"] != "rendered" or html.escape(text) not in page:
                raise SystemExit(f"edit {index + 1}: the page does not show the new narration ({event})")
            totals.append(event["message"])
            current = text
            log(f"edit {index + 1}: {times[-1]:.2f} s ({event['message'].split(':')[0]})")
            time.sleep(0.5)  # let the machine settle between edits, as a person typing would
        progress = watcher.stop()
    finally:
        if watcher.process.poll() is None:
            watcher.process.kill()
    steps = [(step, float(took)) for verb, step, took in bench.STEP_LINE.findall(progress) if verb == "built"]
    by_kind: dict[str, list[float]] = {}
    for step, took in steps[-4 * EDITS:]:  # the edits' own steps (voice, clip, soundtrack, video each)
        by_kind.setdefault(step.split("/")[0], []).append(took)
    return {"edit_to_page": times, "median": statistics.median(times), "renders": totals, "current": current,
            "step_median": {kind: statistics.median(values) for kind, values in by_kind.items()}}


def run(log) -> dict:
    work = Path(tempfile.mkdtemp(prefix="storybuild-bench-watch-"))
    try:
        project = bench.make_project(bench.BIG, work, "off")
        scenes = bench.load_story(project)["scenes"]
        line = scenes[len(scenes) // 2]["narration"]
        log("full render (cold)")
        full = bench.storybuild("render", project)
        log(f"full render: {full.seconds:.2f} s; warm watch, {EDITS} edits")
        warm = warm_edits(project, line, log)
        edit(project / "story.yaml", warm["current"], new_text(line, EDITS))
        cold = bench.storybuild("render", project)
        log(f"cold render after one more edit: {cold.seconds:.2f} s ({cold.counts()}); MoviePy re-composition")
        moviepy = bench.moviepy_compose(project, work / "moviepy.mp4", bench.story_fps(project))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"full_render": full.seconds, "warm": warm, "cold_edit": cold.seconds, "cold_edit_counts": cold.counts(),
            "cold_edit_by_kind": cold.by_kind(), "moviepy": moviepy["seconds"],
            "cold_share": cold.seconds / full.seconds, "moviepy_ratio": moviepy["seconds"] / cold.seconds}


def table(fig: dict, load: dict) -> str:
    warm = fig["warm"]
    met = lambda ok: "met" if ok else "missed"  # noqa: E731
    rows = [
        ("edit one narration, warm watch: edit-to-page, median of 5",
         f"{warm['median']:.2f} s", f"<= {EDIT_TARGET} s: {met(warm['median'] <= EDIT_TARGET)}"),
        ("  the 5 edits", " / ".join(f"{t:.2f}" for t in warm["edit_to_page"]), ""),
        ("  steps (median s): " + ", ".join(warm["step_median"]),
         " / ".join(f"{v:.2f}" for v in warm["step_median"].values()), ""),
        ("full render, cold", f"{fig['full_render']:.2f} s", ""),
        ("edit one narration, cold render", f"{fig['cold_edit']:.2f} s", ""),
        ("  cold edit / full render", f"{fig['cold_share'] * 100:.1f} %",
         f"<= {COLD_SHARE_TARGET * 100:.0f} %: {met(fig['cold_share'] <= COLD_SHARE_TARGET)}"),
        ("MoviePy re-composing the whole video", f"{fig['moviepy']:.2f} s", ""),
        ("  MoviePy / cold edit", f"{fig['moviepy_ratio']:.1f}x",
         f">= {MOVIEPY_TARGET:.0f}x: {met(fig['moviepy_ratio'] >= MOVIEPY_TARGET)}"),
    ]
    lines = ["| figure | value | target |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines.append(f"\nload average {load['start'][0]:.2f} at the start, {load['end'][0]:.2f} at the end; "
                 f"{os.cpu_count()} cores")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args(argv)
    log = lambda text: print(f"[bench] {text}", file=sys.stderr, flush=True)  # noqa: E731
    load = {"start": os.getloadavg()}
    fig = run(log)
    load["end"] = os.getloadavg()
    print(json.dumps({"figures": fig, "load_average": load}, indent=2) if args.json else table(fig, load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
