"""Benchmark storybuild's offline render against the seed's MoviePy composition.

Every figure comes from ONE run of this script, measured side by side on the same
machine state (these machines are noisy, so figures from different runs do not
compare). Every storybuild and MoviePy run is a fresh (cold) process started with
this interpreter. The example is rendered twice: as written (Ken Burns motion on) and
with `video.motion: false` (still pictures, captions kept), the like-for-like
counterpart of MoviePy's still pictures. See benchmarks/README.md for each figure.

    python benchmarks/bench_render.py            # full run (~3 min)
    python benchmarks/bench_render.py --quick    # 3-scene smoke run
    python benchmarks/bench_render.py --json     # machine-readable
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import render_report as report  # benchmarks/ is sys.path[0] when run as a script
from proctree import Peaks, TreeSampler

REPO = Path(__file__).resolve().parent.parent
BIG = REPO / "examples" / "moonlight-lantern-parade"
SMALL = REPO / "examples" / "whiskers-and-buster"
COLD_RUNS = 5
SAMPLE_SECONDS = 0.020
STEP_LINE = re.compile(r"\] +[\d.]+s (built|restored) +(\S+) \(([\d.]+)s\)")
SUMMARY = re.compile(r"built (\d+), restored (\d+), fresh (\d+)")
MOTION_LINE = re.compile(r"^(\s+motion:\s*)true\b", re.MULTILINE)
VARIANTS = report.VARIANTS


# -- running commands ----------------------------------------------------------------------
@dataclass
class Run:
    """One finished cold process: wall seconds from spawn to exit, its output, and
    (when sampled) the memory peaks of its process tree."""

    seconds: float
    stdout: str
    stderr: str
    peaks: Peaks | None = None

    def counts(self) -> str:
        """'built/restored/fresh' from a render summary line, or '' for a no-op."""
        found = SUMMARY.search(self.stdout)
        return "/".join(found.groups()) if found else ""

    def built(self) -> list[str]:
        """Ids of the steps this render built (ran), from its progress lines."""
        return [step for verb, step, _ in STEP_LINE.findall(self.stderr) if verb == "built"]

    def by_kind(self) -> dict[str, float]:
        """Sum of step durations per step kind (character, image, voice, clip, video)."""
        totals: dict[str, float] = {}
        for _, step, took in STEP_LINE.findall(self.stderr):
            kind = step.split("/")[0]
            totals[kind] = round(totals.get(kind, 0.0) + float(took), 2)
        return totals


def run(args: list[str], *, sample: bool = False) -> Run:
    """Run a command to completion, timing it; raise with its stderr tail on a bad exit."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid, SAMPLE_SECONDS) if sample else None
    if sampler:
        sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    peaks = sampler.stop() if sampler else None
    if process.returncode != 0:
        raise SystemExit(f"command failed ({process.returncode}): {' '.join(args)}\n{stderr[-2000:]}")
    return Run(seconds, stdout, stderr, peaks)


def storybuild(command: str, project: Path, *extra: str, jobs: int | None = None, sample: bool = False) -> Run:
    args = [sys.executable, "-m", "storybuild", command, *extra]
    if jobs and command == "render":
        args += ["-j", str(jobs)]
    return run([*args, str(project)], sample=sample)


def cold_median(command: str, project: Path) -> tuple[float, list[float]]:
    times = [storybuild(command, project).seconds for _ in range(COLD_RUNS)]
    return statistics.median(times), times


def memory(peaks: Peaks) -> dict:
    return asdict(peaks)


def step_figures(prefix: str, render: Run) -> dict:
    """Time, counts and per-kind step seconds of one render, keys prefixed."""
    return {prefix: render.seconds, f"{prefix}_counts": render.counts(), f"{prefix}_by_kind": render.by_kind()}


# -- MoviePy baseline -----------------------------------------------------------------------
def scene_inputs(project: Path, fps: int) -> list[dict]:
    """Per scene: image.png and voice.wav paths in the build, their digests (to tell
    whether two builds fed MoviePy the same inputs), and the scene duration storybuild
    used (its clip.mp4's frame count / fps, decoded with PyAV)."""
    import av  # only the baseline needs PyAV

    scenes = []
    for name in scene_order(project):
        folder = project / "build" / "scenes" / name
        with av.open(str(folder / "clip.mp4")) as container:
            frames = container.streams.video[0].frames
        scenes.append({"image": str(folder / "image.png"), "voice": str(folder / "voice.wav"),
                       "digests": [digest(folder / "image.png"), digest(folder / "voice.wav")],
                       "duration": frames / fps})
    return scenes


def snapshot(scenes: list[dict], into: Path) -> list[dict]:
    """Copy the scenes' files out of the build (later renders relink the friendly views)."""
    copied = []
    for index, scene in enumerate(scenes):
        target = into / f"{index:02d}"
        target.mkdir(parents=True)
        copy = dict(scene)
        for key in ("image", "voice"):
            copy[key] = str(shutil.copyfile(scene[key], target / Path(scene[key]).name))
        copied.append(copy)
    return copied


def load_story(project: Path) -> dict:
    import yaml

    return yaml.safe_load((project / "story.yaml").read_text("utf-8"))


def scene_order(project: Path) -> list[str]:
    return [scene["id"] for scene in load_story(project)["scenes"]]


def story_fps(project: Path) -> int:
    return int((load_story(project).get("video") or {}).get("fps", 24))


def moviepy_compose(project: Path, out: Path, fps: int, sample: bool = False, kenburns: bool = False) -> dict:
    """The seed's path in a cold process on the project's current images and narration
    (copied out first): ImageClip + AudioFileClip per scene, concatenate, one
    write_videofile; with `kenburns`, each picture makes the same camera move as the
    scene's clip (see kenburns_clip). Returns its seconds, output video and (sampled)
    memory peaks."""
    scenes = snapshot(scene_inputs(project, fps), out.with_suffix(""))
    manifest = out.with_suffix(".json")
    job = {"scenes": scenes, "out": str(out), "fps": fps}
    if kenburns:
        job["kenburns"] = clip_moves(project)
    manifest.write_text(json.dumps(job), "utf-8")
    result = run([sys.executable, __file__, "--moviepy-worker", str(manifest)], sample=sample)
    return {"seconds": result.seconds, "video": video_info(out), "digests": [s["digests"] for s in scenes],
            **({"memory": memory(result.peaks)} if sample else {})}


def clip_moves(project: Path) -> dict:
    """The frame size and, per scene in story order, the motion seed and strength of
    its clip step, read from storybuild's own graph (so the move is the clip's)."""
    from storybuild.graph import build_graph
    from storybuild.project import load_project

    loaded = load_project(project / "story.yaml")
    params = {step.scene: step.params for step in build_graph(loaded) if step.kind == "clip"}
    return {"size": [loaded.video.width, loaded.video.height],
            "moves": [[params[s.id]["motion_seed"], params[s.id]["motion_strength"]] for s in loaded.scenes]}


def kenburns_clip(image: str, duration: float, fps: int, size: list[int], seed: str, strength: float):
    """MoviePy's usual Ken Burns: the cover-fitted picture `resized` by a function of
    time and moved by a function of time inside a frame-sized composite (which crops
    it), following storybuild.motion's view box for the scene's seed."""
    import numpy as np
    from moviepy import CompositeVideoClip, ImageClip

    from storybuild.compose import fit_image
    from storybuild.motion import KenBurns

    width, height = size
    move = KenBurns.from_seed(seed, strength)
    last = max(duration - 1 / fps, 1e-9)  # progress 1 on the last frame, as in the clip
    progress = lambda t: min(max(t / last, 0.0), 1.0)  # noqa: E731

    def position(t: float) -> tuple[float, float]:
        x0, y0, _, _ = move.view_box(progress(t), width, height)
        zoom = move.zoom(progress(t))
        return -x0 * zoom, -y0 * zoom

    picture = ImageClip(np.asarray(fit_image(Path(image), width, height))).with_duration(duration)
    moving = picture.resized(lambda t: move.zoom(progress(t))).with_position(position)
    return CompositeVideoClip([moving], size=(width, height)).with_duration(duration)


def moviepy_worker(manifest_path: str) -> None:
    from moviepy import AudioFileClip, ImageClip, concatenate_videoclips

    manifest = json.loads(Path(manifest_path).read_text("utf-8"))
    kenburns, fps = manifest.get("kenburns"), manifest["fps"]
    clips = []
    for index, s in enumerate(manifest["scenes"]):
        if kenburns:
            seed, strength = kenburns["moves"][index]
            picture = kenburns_clip(s["image"], s["duration"], fps, kenburns["size"], seed, strength)
        else:
            picture = ImageClip(s["image"]).with_duration(s["duration"])
        clips.append(picture.with_audio(AudioFileClip(s["voice"])))
    video = concatenate_videoclips(clips)
    # MoviePy writes its temporary sound file in the working folder unless told where.
    video.write_videofile(manifest["out"], fps=fps, codec="libx264", audio_codec="aac", logger=None,
                          temp_audiofile=str(Path(manifest["out"]).with_suffix(".sound.m4a")))


def video_info(path: Path) -> dict:
    """Duration (s) and frame size of a video file, decoded from its container."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return {"seconds": container.duration / 1_000_000, "width": stream.width, "height": stream.height}


def video_path(render: Run) -> Path:
    return Path(render.stdout.strip().rsplit(": ", 1)[1])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the suite ------------------------------------------------------------------------------
def make_project(example: Path, work: Path, motion: str) -> Path:
    """A fresh copy of the example's story.yaml; for motion "off", `motion: true` is
    replaced in place (a text edit, so the narration lines stay as written)."""
    import yaml

    project = work / f"{example.name}-motion-{motion}"
    shutil.copytree(example, project, ignore=shutil.ignore_patterns("build"))  # with its music
    text = (example / "story.yaml").read_text("utf-8")
    if motion == "off":
        text, count = MOTION_LINE.subn(r"\g<1>false", text)
        if count != 1:
            raise SystemExit(f"{example}: expected one 'motion: true' line under video:, found {count}")
    (project / "story.yaml").write_text(text, "utf-8")
    if yaml.safe_load(text)["video"]["motion"] is not (motion == "on"):
        raise SystemExit(f"{project}: video.motion is not {motion}")
    return project


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


def full_renders(projects: dict, fig: dict, jobs: int | None, log) -> dict[str, str]:
    """Cold full render of each variant; returns each output video's digest."""
    digests = {}
    for motion, project in projects.items():
        log(f"full render, motion {motion}")
        full = storybuild("render", project, jobs=jobs)
        fig[motion].update(step_figures("full", full), video=video_info(video_path(full)))
        digests[motion] = digest(video_path(full))
    return digests


def moviepy_runs(projects: dict, fig: dict, key: str, work: Path, log) -> None:
    """MoviePy on each variant's own images and narration: piper's synthesis is not
    deterministic, so the two builds' voices (and durations) differ slightly."""
    for motion, project in projects.items():
        log(f"MoviePy composition of the motion-{motion} build's images and narration ({key})")
        fig[motion][key] = moviepy_compose(project, work / f"{key}-motion-{motion}.mp4", fig["fps"])


def compose_only(projects: dict, fig: dict, checks: dict, scenes: int, jobs: int | None, log) -> None:
    """`render --force clip --force video`: every clip and the final assembly re-run,
    nothing generated; the check says BAD unless all of them were really built."""
    for motion, project in projects.items():
        log(f"composition only, motion {motion}: render --force clip --force video")
        compose = storybuild("render", project, "--force", "clip", "--force", "video", jobs=jobs)
        fig[motion].update(step_figures("compose", compose))
        built = compose.built()
        clips = sum(step.startswith("clip/") for step in built)
        checks[f"compose ran every clip and the video step, motion {motion}"] = (
            "video" in built and clips == scenes, f"built: {clips} clips" + (", video" if "video" in built else
                                                                              ", NO video step"))


def edit_renders(projects: dict, fig: dict, checks: dict, jobs: int | None, log) -> dict[str, str]:
    """Edit the middle scene's narration in every variant, render; returns the originals."""
    originals = {}
    for motion, project in projects.items():
        scene, originals[motion] = edit_narration(project)
        log(f"edit the narration of scene {scene}, motion {motion}, render")
        edit = storybuild("render", project, jobs=jobs)
        fig[motion].update(step_figures("edit", edit), edited_scene=scene)
        built, wanted = sorted(edit.built()), sorted([f"voice/{scene}", f"clip/{scene}", "soundtrack", "video"])
        checks[f"edit rebuilt only voice, clip of '{scene}', the soundtrack and video, motion {motion}"] = (
            built == wanted, "built: " + " ".join(built))
    return originals


def revert_renders(projects: dict, originals: dict, first: dict, fig: dict, checks: dict, jobs, log) -> None:
    """Restore story.yaml byte for byte and render: everything comes from the store."""
    for motion, project in projects.items():
        log(f"revert the edit, motion {motion}, render (restore from the store)")
        (project / "story.yaml").write_text(originals[motion], "utf-8")
        restore = storybuild("render", project, jobs=jobs)
        fig[motion].update(step_figures("restore", restore))
        same = digest(video_path(restore)) == first[motion]
        checks[f"revert rebuilt nothing, video byte-identical to the first render, motion {motion}"] = (
            same and not restore.built(), f"built {len(restore.built())}, identical: {same}")


def bench_project(example: Path, work: Path, jobs: int | None, log) -> dict:
    """Every timing figure for one example, both variants interleaved in one go."""
    projects = {motion: make_project(example, work, motion) for motion in VARIANTS}
    scenes = len(scene_order(projects["on"]))
    fig: dict = {"example": example.name, "scenes": scenes, "fps": story_fps(projects["on"]), "jobs": jobs,
                 "cold_runs": COLD_RUNS,
                 **{motion: {} for motion in VARIANTS}}
    checks: dict = {}

    first = full_renders(projects, fig, jobs, log)
    log(f"no-op render and status (motion on), {COLD_RUNS} cold runs each")
    fig["noop_render"], fig["noop_render_runs"] = cold_median("render", projects["on"])
    fig["status"], fig["status_runs"] = cold_median("status", projects["on"])
    moviepy_runs(projects, fig, "moviepy_full", work, log)
    digests = {motion: fig[motion]["moviepy_full"].pop("digests") for motion in VARIANTS}  # [image, voice] a scene
    log("MoviePy composition of the motion-on build with the same Ken Burns move (resized + position)")
    fig["on"]["moviepy_kenburns"] = moviepy_compose(projects["on"], work / "moviepy-kenburns.mp4", fig["fps"],
                                                    kenburns=True)
    del fig["on"]["moviepy_kenburns"]["digests"]
    for index, name in enumerate(("same_images", "same_voices")):
        fig[name] = [pair[index] for pair in digests["off"]] == [pair[index] for pair in digests["on"]]
    compose_only(projects, fig, checks, scenes, jobs, log)
    originals = edit_renders(projects, fig, checks, jobs, log)
    moviepy_runs(projects, fig, "moviepy_edit", work, log)
    for motion in VARIANTS:
        del fig[motion]["moviepy_edit"]["digests"]
    revert_renders(projects, originals, first, fig, checks, jobs, log)
    fig["checks"] = checks
    return fig


def bench_memory(examples: list[Path], work: Path, jobs: int | None, log) -> dict:
    """Memory peaks of cold full renders (motion on, as the examples are written) in
    runs of their own, so that the sampler's CPU never weighs on a timed figure; then
    of a MoviePy composition of the first example's build, for scale."""
    out: dict = {"sample_seconds": SAMPLE_SECONDS, "renders": []}
    for example in examples:
        (work / "memory" / example.name).mkdir(parents=True)
        project = make_project(example, work / "memory" / example.name, "on")
        log(f"memory: full render of {example.name}, sampling every {SAMPLE_SECONDS * 1000:.0f} ms")
        full = storybuild("render", project, jobs=jobs, sample=True)
        out["renders"].append({"example": example.name, "scenes": len(scene_order(project)), "seconds": full.seconds,
                               **memory(full.peaks)})
        if example == examples[0]:
            log(f"memory: MoviePy composition of that build, sampling every {SAMPLE_SECONDS * 1000:.0f} ms")
            composed = moviepy_compose(project, work / "memory" / "moviepy.mp4", story_fps(project), sample=True)
            out["moviepy"] = {"seconds": composed["seconds"], **composed["memory"]}
    return out


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
    load = {"start": os.getloadavg()}
    work = Path(tempfile.mkdtemp(prefix="storybuild-bench-"))
    try:
        fig = bench_project(SMALL if args.quick else BIG, work, args.jobs, log)
        mem = bench_memory([SMALL] if args.quick else [BIG, SMALL], work, args.jobs, log)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    load["end"] = os.getloadavg()
    ratios = {motion: report.derive(fig[motion]) for motion in VARIANTS}
    if args.json:
        print(json.dumps({"figures": fig, "ratios": ratios, "memory": mem, "load_average": load,
                          "meets_target": report.meets_targets(fig, ratios, mem)}, indent=2))
    else:
        print(report.table(fig, ratios, mem, load))
    return 0 if all(passed for passed, _ in fig["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
