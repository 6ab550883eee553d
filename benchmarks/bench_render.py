"""Benchmark storybuild's offline render against the seed's MoviePy composition.

Every figure comes from ONE run of this script, measured side by side on the same
machine state (these machines are noisy, so figures from different runs do not
compare). Every storybuild and MoviePy run is a fresh (cold) process started with
this interpreter. See benchmarks/README.md for what each figure means.

    /work/venv/bin/python benchmarks/bench_render.py            # full run (~3-5 min)
    /work/venv/bin/python benchmarks/bench_render.py --quick    # 3-scene smoke run
    /work/venv/bin/python benchmarks/bench_render.py --json     # machine-readable
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIG = REPO / "examples" / "moonlight-lantern-parade"
SMALL = REPO / "examples" / "whiskers-and-buster"
COLD_RUNS = 5
SAMPLE_SECONDS = 0.020
MIB = 1024 * 1024
STEP_LINE = re.compile(r"\] +[\d.]+s (built|restored) +(\S+) \(([\d.]+)s\)")
SUMMARY = re.compile(r"built (\d+), restored (\d+), fresh (\d+)")


# -- process tree memory -------------------------------------------------------------------
def _proc_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (ppid, rss pages, command name) for every process visible in /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # the process exited between listdir and open
            continue
        # Fields after the parenthesised command name (which may hold spaces):
        # state, ppid, ... rss is the 24th field overall, index 21 here.
        close = stat.rindex(b")")
        fields = stat[close + 2 :].split()
        command = stat[stat.index(b"(") + 1 : close].decode(errors="replace")
        table[int(name)] = (int(fields[1]), int(fields[21]), command)
    return table


class TreeSampler(threading.Thread):
    """Samples, every `interval` seconds until stopped, the RSS of `root` alone and of
    `root` plus all its descendants. Invariant: peaks only grow; bytes."""

    def __init__(self, root: int, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak_tree = self.peak_root = self.samples = 0
        self.at_peak: dict[str, list[int]] = {}  # command -> [processes, bytes] when the tree peaked
        self._halt = threading.Event()

    def run(self) -> None:
        while True:
            self._sample()
            if self._halt.wait(self.interval):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def _sample(self) -> None:
        table = _proc_table()
        if self.root not in table:
            return
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        by_command: dict[str, list[int]] = {}
        todo = [self.root]
        while todo:
            pid = todo.pop()
            entry = by_command.setdefault(table[pid][2], [0, 0])
            entry[0] += 1
            entry[1] += table[pid][1] * self.page
            todo.extend(children.get(pid, ()))
        self.samples += 1
        tree = sum(rss for _, rss in by_command.values())
        if tree > self.peak_tree:
            self.peak_tree, self.at_peak = tree, by_command
        self.peak_root = max(self.peak_root, table[self.root][1] * self.page)


# -- running commands ----------------------------------------------------------------------
@dataclass
class Run:
    """One finished cold process: wall seconds from spawn to exit, its output, and
    (when sampled) the peak RSS of the tree and of the root process, in bytes."""

    seconds: float
    stdout: str
    stderr: str
    peak_tree: int = 0
    peak_root: int = 0
    samples: int = 0
    at_peak: dict = field(default_factory=dict)

    def counts(self) -> str:
        """'built/restored/fresh' from a render summary line, or '' for a no-op."""
        found = SUMMARY.search(self.stdout)
        return "/".join(found.groups()) if found else ""


def run(args: list[str], *, ok: tuple[int, ...] = (0,), sample: bool = False) -> Run:
    """Run a command to completion, timing it; raise with its stderr tail on a bad exit."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid) if sample else None
    if sampler:
        sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if sampler:
        sampler.stop()
    if process.returncode not in ok:
        raise SystemExit(f"command failed ({process.returncode}): {' '.join(args)}\n{stderr[-2000:]}")
    result = Run(seconds, stdout, stderr)
    if sampler:
        result.peak_tree, result.peak_root = sampler.peak_tree, sampler.peak_root
        result.samples, result.at_peak = sampler.samples, sampler.at_peak
    return result


def storybuild(command: str, project: Path, *extra: str, jobs: int | None = None, **kw) -> Run:
    args = [sys.executable, "-m", "storybuild", command, *extra]
    if jobs and command == "render":
        args += ["-j", str(jobs)]
    return run([*args, str(project)], **kw)


def cold_median(command: str, project: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, list[float]]:
    times = [storybuild(command, project, ok=ok).seconds for _ in range(COLD_RUNS)]
    return statistics.median(times), times


def seconds_by_kind(render: Run) -> dict[str, float]:
    """Sum of step durations per step kind, from storybuild's progress lines."""
    totals: dict[str, float] = {}
    for _, step, took in STEP_LINE.findall(render.stderr):
        kind = step.split("/")[0]
        totals[kind] = round(totals.get(kind, 0.0) + float(took), 2)
    return totals


# -- MoviePy baseline -----------------------------------------------------------------------
def snapshot_scenes(project: Path, into: Path, fps: int) -> list[dict]:
    """Copy each scene's image.png and voice.wav out of the build (the friendly views
    are relinked by later renders) and record the clip's duration as storybuild made it."""
    import av  # only the baseline needs PyAV

    scenes = []
    for name in scene_order(project):
        source, target = project / "build" / "scenes" / name, into / name
        target.mkdir(parents=True)
        for file in ("image.png", "voice.wav"):
            shutil.copyfile(source / file, target / file)
        with av.open(str(source / "clip.mp4")) as container:
            frames = container.streams.video[0].frames
        scenes.append({"image": str(target / "image.png"), "voice": str(target / "voice.wav"),
                       "duration": frames / fps})
    return scenes


def scene_order(project: Path) -> list[str]:
    import yaml

    return [scene["id"] for scene in yaml.safe_load((project / "story.yaml").read_text("utf-8"))["scenes"]]


def moviepy_compose(scenes: list[dict], out: Path, fps: int, sample: bool = False) -> Run:
    """The seed's path in a cold process: ImageClip + AudioFileClip per scene,
    concatenate, one write_videofile."""
    manifest = out.with_suffix(".json")
    manifest.write_text(json.dumps({"scenes": scenes, "out": str(out), "fps": fps}), "utf-8")
    return run([sys.executable, __file__, "--moviepy-worker", str(manifest)], sample=sample)


def moviepy_worker(manifest_path: str) -> None:
    from moviepy import AudioFileClip, ImageClip, concatenate_videoclips

    manifest = json.loads(Path(manifest_path).read_text("utf-8"))
    clips = [ImageClip(s["image"]).with_duration(s["duration"]).with_audio(AudioFileClip(s["voice"]))
             for s in manifest["scenes"]]
    video = concatenate_videoclips(clips)
    video.write_videofile(manifest["out"], fps=manifest["fps"], codec="libx264", audio_codec="aac", logger=None)


def video_info(path: Path) -> dict:
    """Duration (s) and frame size of a video file, decoded from its container."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return {"seconds": container.duration / 1_000_000, "width": stream.width, "height": stream.height}


# -- the suite ------------------------------------------------------------------------------
def edit_narration(project: Path) -> tuple[str, str]:
    """Change the middle scene's narration by a plain text replace in story.yaml;
    return (scene id, original story.yaml text) so the caller can revert."""
    import yaml

    story = project / "story.yaml"
    original = story.read_text("utf-8")
    scenes = yaml.safe_load(original)["scenes"]
    scene = scenes[len(scenes) // 2]
    old = scene["narration"]
    if original.count(old) != 1:
        raise SystemExit(f"cannot edit scene {scene['id']}: its narration is not one plain line of story.yaml")
    story.write_text(original.replace(old, old.rstrip(".!?") + ", and everyone smiled."), "utf-8")
    return scene["id"], original


def bench_compose(project: Path, jobs: int | None) -> dict:
    """Re-run composition only: every clip and the final video, nothing generated.

    When the re-encoded clips come out byte-identical, storybuild (at the time of
    writing) drops the forced `video` step as fresh, so the assembly is then timed by
    a second `render --force video` and added: the figure always covers both."""
    compose = storybuild("render", project, "--force", "clip", "--force", "video", jobs=jobs)
    by_kind = seconds_by_kind(compose)
    fig = {"compose": compose.seconds, "compose_counts": compose.counts(), "compose_video_dropped": False}
    if "video" not in by_kind:
        video = storybuild("render", project, "--force", "video", jobs=jobs)
        fig.update(compose=compose.seconds + video.seconds, compose_video_dropped=True)
        by_kind.update(seconds_by_kind(video))
    fig["compose_by_kind"] = by_kind
    return fig


def video_path(render: Run) -> Path:
    return Path(render.stdout.strip().rsplit(": ", 1)[1])


def digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def bench_project(example: Path, work: Path, jobs: int | None, log) -> dict:
    """Every figure for one example, in one go; returns seconds and bytes."""
    import yaml

    project = work / example.name
    project.mkdir()
    shutil.copyfile(example / "story.yaml", project / "story.yaml")
    fps = int((yaml.safe_load((project / "story.yaml").read_text("utf-8")).get("video") or {}).get("fps", 24))
    fig: dict = {"example": example.name, "scenes": len(scene_order(project)), "fps": fps, "jobs": jobs}

    log(f"full render of {example.name} (sampling RSS every {SAMPLE_SECONDS * 1000:.0f} ms)")
    full = storybuild("render", project, jobs=jobs, sample=True)
    output = video_path(full)
    fig.update(full=full.seconds, full_counts=full.counts(), full_by_kind=seconds_by_kind(full),
               peak_tree=full.peak_tree, peak_root=full.peak_root, samples=full.samples, at_peak=full.at_peak,
               video=video_info(output))
    full_digest = digest(output)

    log(f"no-op render and status, {COLD_RUNS} cold runs each")
    fig["noop_render"], fig["noop_render_runs"] = cold_median("render", project)
    fig["status"], fig["status_runs"] = cold_median("status", project)

    log("MoviePy composition of the same images and narration")
    scenes = snapshot_scenes(project, work / "moviepy-original", fps)
    mp_full = moviepy_compose(scenes, work / "moviepy-original.mp4", fps, sample=True)
    fig.update(moviepy_full=mp_full.seconds, moviepy_peak_tree=mp_full.peak_tree,
               moviepy_video=video_info(work / "moviepy-original.mp4"))

    log("composition only: render --force clip --force video")
    fig.update(bench_compose(project, jobs))

    scene, original = edit_narration(project)
    log(f"edit the narration of scene {scene}, render")
    edit = storybuild("render", project, jobs=jobs)
    fig.update(edited_scene=scene, edit=edit.seconds, edit_counts=edit.counts(), edit_by_kind=seconds_by_kind(edit))

    log("MoviePy re-composition of the whole video with the edited scene")
    scenes = snapshot_scenes(project, work / "moviepy-edited", fps)
    fig["moviepy_edit"] = moviepy_compose(scenes, work / "moviepy-edited.mp4", fps).seconds

    log("revert the edit, render (restore from the store)")
    (project / "story.yaml").write_text(original, "utf-8")
    restore = storybuild("render", project, jobs=jobs)
    fig.update(restore=restore.seconds, restore_counts=restore.counts(),
               restore_identical=digest(video_path(restore)) == full_digest)
    return fig


def bench_memory(example: Path, work: Path, jobs: int | None, log) -> dict:
    """Peak RSS of a full render of another example (memory vs scene count)."""
    project = work / f"memory-{example.name}"
    project.mkdir()
    shutil.copyfile(example / "story.yaml", project / "story.yaml")
    log(f"full render of {example.name} (sampling RSS)")
    full = storybuild("render", project, jobs=jobs, sample=True)
    return {"example": example.name, "scenes": len(scene_order(project)), "full": full.seconds,
            "peak_tree": full.peak_tree, "peak_root": full.peak_root, "samples": full.samples,
            "at_peak": full.at_peak}


# -- the report -----------------------------------------------------------------------------
TARGETS = {  # figure -> (text, passes)
    "noop_render": ("< 0.5 s", lambda v: v < 0.5),
    "status": ("< 0.5 s", lambda v: v < 0.5),
    "edit_ratio": ("< 15 %", lambda v: v < 15),
    "speedup_full": (">= 3x", lambda v: v >= 3),
    "speedup_compose": (">= 3x", lambda v: v >= 3),
    "speedup_edit": (">= 15x", lambda v: v >= 15),
    "peak_tree": ("< 400 MB", lambda v: v < 400),
}


def derive(fig: dict) -> dict:
    """Ratios computed from the measured seconds and bytes."""
    return {
        "edit_ratio": 100 * fig["edit"] / fig["full"],
        "speedup_full": fig["moviepy_full"] / fig["full"],
        "speedup_compose": fig["moviepy_full"] / fig["compose"],
        "speedup_edit": fig["moviepy_edit"] / fig["edit"],
    }


def _row(label: str, value: str, key: str | None = None, number: float | None = None) -> str:
    target, verdict = "", ""
    if key in TARGETS:
        target, passes = TARGETS[key]
        verdict = "ok" if passes(number) else "MISSED"
    return f"{label:<58}{value:>14}   {target:<10}{verdict}"


def _kinds(by_kind: dict) -> str:
    return ", ".join(f"{kind} {secs:.1f}" for kind, secs in sorted(by_kind.items(), key=lambda kv: -kv[1]))


def table(fig: dict, ratios: dict, memory: dict | None) -> str:
    v, mb = fig["video"], lambda b: b / MIB
    lines = [
        f"storybuild render benchmark: {fig['example']} ({fig['scenes']} scenes, {v['seconds']:.1f} s of video, "
        f"{v['width']}x{v['height']} @ {fig['fps']} fps), jobs={fig['jobs'] or 'default'}, {os.cpu_count()} CPUs",
        f"{'figure':<58}{'value':>14}   {'target':<10}verdict",
        _row("1  full render, offline (images + narration + compose)", f"{fig['full']:.2f} s"),
        f"     steps built/restored/fresh {fig['full_counts']}; step seconds by kind: {_kinds(fig['full_by_kind'])}",
        _row(f"2  no-op render, median of {COLD_RUNS} cold runs", f"{fig['noop_render']:.3f} s", "noop_render",
             fig["noop_render"]),
        _row(f"   status, median of {COLD_RUNS} cold runs", f"{fig['status']:.3f} s", "status", fig["status"]),
        _row(f"3  edit narration of '{fig['edited_scene']}', render", f"{fig['edit']:.2f} s"),
        f"     steps built/restored/fresh {fig['edit_counts']}; step seconds by kind: {_kinds(fig['edit_by_kind'])}",
        _row("   edit render / full render", f"{ratios['edit_ratio']:.1f} %", "edit_ratio", ratios["edit_ratio"]),
        _row("   revert the edit, render (restore from store)", f"{fig['restore']:.2f} s"),
        f"     steps built/restored/fresh {fig['restore_counts']}; "
        f"video byte-identical to the first render: {fig['restore_identical']}",
        _row("4  MoviePy full composition (same images + narration)", f"{fig['moviepy_full']:.2f} s"),
        f"     MoviePy output {fig['moviepy_video']['seconds']:.1f} s of video, "
        f"{fig['moviepy_video']['width']}x{fig['moviepy_video']['height']}, no motion, no captions",
        _row("   storybuild composition only (--force clip --force video)", f"{fig['compose']:.2f} s"),
        f"     step seconds by kind: {_kinds(fig['compose_by_kind'])}"
        + ("; video step dropped as fresh despite --force video, timed by a 2nd render --force video"
           if fig["compose_video_dropped"] else ""),
        _row("   MoviePy full / storybuild full render", f"{ratios['speedup_full']:.2f}x", "speedup_full",
             ratios["speedup_full"]),
        _row("   MoviePy full / storybuild composition only", f"{ratios['speedup_compose']:.2f}x", "speedup_compose",
             ratios["speedup_compose"]),
        _row("   MoviePy re-composition after the edit", f"{fig['moviepy_edit']:.2f} s"),
        _row("   MoviePy re-composition / storybuild edit render", f"{ratios['speedup_edit']:.1f}x", "speedup_edit",
             ratios["speedup_edit"]),
        _row(f"5  peak RSS, full render of {fig['scenes']} scenes: process tree", f"{mb(fig['peak_tree']):.0f} MB",
             "peak_tree", mb(fig["peak_tree"])),
        _row("   same render: python process alone", f"{mb(fig['peak_root']):.0f} MB"),
        f"     tree at its peak: {_composition(fig['at_peak'])}",
    ]
    if memory:
        lines += [
            _row(f"   peak RSS, full render of {memory['scenes']} scenes: process tree",
                 f"{mb(memory['peak_tree']):.0f} MB"),
            _row("   same render: python process alone", f"{mb(memory['peak_root']):.0f} MB"),
            f"     tree at its peak: {_composition(memory['at_peak'])}",
            f"     ({memory['example']} full render took {memory['full']:.2f} s)",
        ]
    lines.append(_row("   MoviePy composition, process tree", f"{mb(fig['moviepy_peak_tree']):.0f} MB"))
    lines.append(f"     RSS sampled every {SAMPLE_SECONDS * 1000:.0f} ms via /proc ({fig['samples']} samples in the "
                 f"{fig['scenes']}-scene render); cold-run times: render {_list(fig['noop_render_runs'])}, "
                 f"status {_list(fig['status_runs'])}")
    return "\n".join(lines)


def _composition(at_peak: dict) -> str:
    return " + ".join(f"{count} x {command} {rss / MIB:.0f} MB" for command, (count, rss) in at_peak.items())


def _list(values: list[float]) -> str:
    return " ".join(f"{x:.3f}" for x in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="bench the 3-scene example only (smoke run)")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="passed to storybuild render -j")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    parser.add_argument("--moviepy-worker", metavar="MANIFEST", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.moviepy_worker:
        moviepy_worker(args.moviepy_worker)
        return 0
    log = lambda text: print(f"[bench] {text}", file=sys.stderr, flush=True)  # noqa: E731
    work = Path(tempfile.mkdtemp(prefix="storybuild-bench-"))
    try:
        fig = bench_project(SMALL if args.quick else BIG, work, args.jobs, log)
        memory = None if args.quick else bench_memory(SMALL, work, args.jobs, log)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    ratios = derive(fig)
    if args.json:
        verdicts = {key: TARGETS[key][1](ratios.get(key, fig.get(key, 0)) / (MIB if key == "peak_tree" else 1))
                    for key in TARGETS}
        print(json.dumps({"figures": fig, "ratios": ratios, "memory_small": memory, "meets_target": verdicts},
                         indent=2))
    else:
        print(table(fig, ratios, memory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
