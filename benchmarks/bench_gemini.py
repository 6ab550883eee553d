"""Benchmark storybuild's Gemini path against tests/fakegemini.py (no network, no cost).

Two figures, measured side by side in ONE run of this script (these machines are
noisy: figures from different runs do not compare):

1. Parallelism: a cold render of a 12-scene, 2-character story (image and voice on
   gemini) with the fake answering every call after 500 ms, with -j 8 and with -j 1,
   each in a fresh temporary project. The ratio shows how much of the API wait -j hides.
2. Flaky API: the same story against a fake failing 30% of calls with the real 429
   (RetryInfo, QuotaFailure per minute) and 503 bodies (seeded, RetryInfo 0.2 s). Every
   request is mapped back to the step it was for, to show that each paid step got
   exactly one successful answer; then a re-render must make zero calls.
3. Animation: a 4-scene story with every scene animated by Veo; each operation is done
   after 3 polls, polled every `--poll` seconds. Shows the wall time, the polls per
   operation, the shortest gap between two polls of one operation (>= the interval: no
   busy loop) and the most operations in progress at once (at most one thread each).

    python benchmarks/bench_gemini.py                 # ~100 s
    python benchmarks/bench_gemini.py --repeat 1      # one render per -j (~45 s)

The fake runs in this process; every storybuild run is a fresh process started with
this interpreter. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fakegemini import DUMMY_KEY, FakeGemini, Recorded  # noqa: E402 - test helpers live in tests/
from mediacheck import probe  # noqa: E402

STEP_LINE = re.compile(r"^\[\d+/\d+\] +([\d.]+)s built +(\S+) \(([\d.]+)s\)$", re.MULTILINE)
PAID_KINDS = ("character", "image", "voice")
CHARACTERS = {
    "pip": {"name": "Pip", "description": "a small round yellow duckling with a blue scarf", "voice": "Puck"},
    "mo": {"name": "Mo", "description": "a tall gentle grey elephant with a green hat"},
}
FPS = 24


def story(scene_count: int, concurrency: int, retries: int) -> dict:
    """A story whose every scene prompt and narration is unique (so each request can be
    mapped back to its step), alternating which characters are shown."""
    cast = [["pip"], ["mo"], ["pip", "mo"]]
    scenes = [{
        "id": f"scene-{i:02d}",
        "image": f"Picture {i:02d}: Pip and Mo explore a new corner of the meadow",
        "narration": f"Chapter {i:02d}. Pip and Mo found something new in the meadow today.",
        "characters": cast[i % 3],
        **({"speaker": "pip"} if i % 4 == 0 else {}),
    } for i in range(1, scene_count + 1)]
    operational = {"concurrency": concurrency, "retries": retries}
    return {
        "version": 1, "title": "Pip and Mo", "style": "bright flat crayon drawing",
        # Hard cuts and no cards: the figures count provider calls and scene steps.
        "video": {"size": "640x360", "fps": FPS, "captions": True, "motion": False, "transition": "cut", "fade": 0},
        "title_card": False, "end_card": False,
        "providers": {"image": {"provider": "gemini", **operational},
                      "voice": {"provider": "gemini", "voice": "Kore", "direction": "warm", **operational}},
        "characters": CHARACTERS,
        "scenes": scenes,
    }


def new_project(parent: Path, name: str, document: dict) -> Path:
    root = parent / name
    root.mkdir()
    (root / "story.yaml").write_text(yaml.safe_dump(document, sort_keys=False, width=10000), encoding="utf-8")
    return root


@dataclass
class Run:
    """One storybuild process: wall time from spawn to exit, and its output."""

    wall: float
    returncode: int
    stdout: str
    stderr: str

    def built(self) -> list[tuple[float, str, float]]:
        """(finished at, step id, step seconds) for every built step, from the progress lines."""
        return [(float(at), step, float(took)) for at, step, took in STEP_LINE.findall(self.stderr)]

    def split(self) -> tuple[float, float]:
        """(when the last paid step finished, seconds after it until the end), per progress lines."""
        built = self.built()
        paid_end = max((at for at, step, _ in built if step.split("/")[0] in PAID_KINDS), default=0.0)
        last = max((at for at, _, _ in built), default=0.0)
        return paid_end, last - paid_end

    def seconds_by_kind(self) -> dict[str, float]:
        sums: dict[str, float] = defaultdict(float)
        for _, step, took in self.built():
            sums[step.split("/")[0]] += took
        return dict(sums)


def storybuild(root: Path, env: dict[str, str], *args: str) -> Run:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "storybuild", *args, str(root)], env=env,
                          capture_output=True, text=True, timeout=900)
    return Run(time.monotonic() - started, done.returncode, done.stdout, done.stderr)


def environment(server: FakeGemini, retry_base: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    env.update(server.environ(), GEMINI_API_KEY=DUMMY_KEY, STORYBUILD_RETRY_BASE_SECONDS=str(retry_base),
               STORYBUILD_RETRY_CAP_SECONDS=str(max(0.5, retry_base * 8)))
    return env


def require(run: Run, what: str) -> Run:
    if run.returncode != 0:
        sys.exit(f"[bench] {what} exited {run.returncode}:\n{run.stdout}\n{run.stderr}")
    return run


def log(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


# -- mapping requests to steps -------------------------------------------------------------
def step_of(call: Recorded, document: dict) -> str:
    """The step id a request was made for, from the unique text it carries."""
    if call.kind == "audio":
        field, prefix = "narration", "voice"
    elif call.kind == "image":
        field, prefix = "image", "image"
    else:
        return f"? {call.kind}"
    for scene in document["scenes"]:
        if scene[field] in call.text:
            return f"{prefix}/{scene['id']}"
    for cid, character in document["characters"].items():
        if call.kind == "image" and character["description"] in call.text:
            return f"character/{cid}"
    return f"? {call.kind}"


def paid_steps(document: dict) -> list[str]:
    return ([f"character/{c}" for c in document["characters"]]
            + [f"{kind}/{s['id']}" for s in document["scenes"] for kind in ("image", "voice")])


# -- 1. -j 8 against -j 1 ----------------------------------------------------------------
@dataclass
class Timed:
    """One cold render in figure 1, with what the fake server saw of it."""

    run: Run
    calls: int
    max_in_flight: int
    api_span: float  # first request received -> last answer sent, by the server's clock
    api_busy: float  # sum of request durations (latency x calls when nothing failed)

    def describe(self, jobs: int) -> list[str]:
        paid_end, after = self.run.split()
        kinds = self.run.seconds_by_kind()
        return [
            f"   render -j {jobs:<2}  wall {self.run.wall:6.2f} s   paid steps done at {paid_end:5.2f} s, "
            f"then {after:4.2f} s composing   calls {self.calls}, max in flight {self.max_in_flight}",
            f"              API phase (server clock) {self.api_span:5.2f} s, mean calls in flight "
            f"{self.api_busy / max(self.api_span, 1e-9):.1f}; step seconds summed: " + ", ".join(
                f"{kind} {kinds.get(kind, 0):.1f}" for kind in ("character", "image", "voice", "clip", "video")),
        ]


def timed_render(server: FakeGemini, env: dict[str, str], root: Path, jobs: int) -> Timed:
    server.max_in_flight, before = 0, len(server.requests)
    run = require(storybuild(root, env, "render", "-j", str(jobs)), f"render -j {jobs}")
    calls = server.requests[before:]
    span = max(c.finished for c in calls) - min(c.started for c in calls) if calls else 0.0
    busy = sum(c.finished - c.started for c in calls)
    return Timed(run, len(calls), server.max_in_flight, span, busy)


def bench_parallel(args: argparse.Namespace, workdir: Path) -> list[str]:
    document = story(args.scenes, concurrency=args.jobs, retries=5)
    paid = len(paid_steps(document))
    lines = [f"1. fake Gemini answering after {args.latency * 1000:.0f} ms per call; {args.scenes} scenes, "
             f"{len(CHARACTERS)} characters: {paid} paid calls, {paid + args.scenes + 2} steps; "
             f"640x360, motion off, provider concurrency {args.jobs}"]
    results: dict[int, list[Timed]] = {args.jobs: [], 1: []}
    with FakeGemini(latency=args.latency) as server:
        env = environment(server, 0.05)
        for attempt in range(args.repeat):  # interleaved, so drifting machine load hits both alike
            for jobs in results:
                log(f"render -j {jobs} ({args.scenes} scenes, {args.latency:g} s per call), run {attempt + 1}")
                root = new_project(workdir, f"parallel-j{jobs}-{attempt}", document)
                results[jobs].append(timed_render(server, env, root, jobs))
    for jobs, timed in results.items():
        for one in timed:
            lines += one.describe(jobs)
    fast, slow = (statistics.median(t.run.wall for t in results[j]) for j in (args.jobs, 1))
    verdict = "ok" if slow / fast >= 5 else "MISSED"
    median = " (medians)" if args.repeat > 1 else ""
    lines.append(f"   speed-up -j {args.jobs} over -j 1, wall{median}: {slow / fast:.2f}x   target >= 5x: {verdict}")
    api_fast, api_slow = (statistics.median(t.api_span for t in results[j]) for j in (args.jobs, 1))
    lines.append(f"   speed-up of the API phase alone (server clock){median}: {api_slow / api_fast:.2f}x; "
                 f"ideal with {args.jobs} slots: {paid * args.latency:.1f} s -> "
                 f"{math.ceil(paid / args.jobs) * args.latency:.1f} s ({paid / math.ceil(paid / args.jobs):.1f}x)")
    return lines


# -- 2. a flaky API ----------------------------------------------------------------------------
def check_video(root: Path, document: dict) -> str:
    """Decode the video: frames and audio length must match the scenes' narrations."""
    import wave

    frames = 0
    for scene in document["scenes"]:
        with wave.open(str(root / "build" / "scenes" / scene["id"] / "voice.wav")) as reader:
            seconds = reader.getnframes() / reader.getframerate()
        frames += math.ceil((0.3 + seconds + 0.7) * FPS - 1e-9)  # compose.py: lead-in + narration + tail
    info = probe(root / "build" / "pip-and-mo.mp4")
    good = (info["frames"] == frames and abs(info["audio_duration"] - frames / FPS) <= 1 / FPS
            and info["audio_rms"] > 0.01 and (info["width"], info["height"]) == (640, 360))
    return (f"{'ok' if good else 'BAD'}: {info['frames']} frames (expected {frames}), "
            f"audio {info['audio_duration']:.2f} s, rms {info['audio_rms']:.3f}")


def request_accounting(requests: list[Recorded], document: dict, paid: list[str]) -> list[str]:
    """Lines mapping every request to its step: each paid step must have exactly one
    successful answer (a duplicate would be a paid call wasted on a stored step)."""
    by_step: dict[str, Counter] = defaultdict(Counter)
    for call in requests:
        by_step[step_of(call, document)][call.status] += 1
    statuses = Counter(call.status for call in requests)
    unmapped = sorted(step for step in by_step if step.startswith("?"))
    duplicates = sorted(step for step, counts in by_step.items() if counts[200] > 1)
    missing = sorted(step for step in paid if by_step[step][200] == 0)
    good = statuses[200] == len(paid) and not (duplicates or missing or unmapped)
    attempts = Counter(sum(counts.values()) for step, counts in by_step.items() if step in paid)
    return [
        f"   requests {len(requests)}: " + ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items())),
        f"   successful answers {statuses[200]} for {len(paid)} paid steps: {'ok' if good else 'BAD'} "
        f"(duplicates {duplicates or 'none'}, missing {missing or 'none'}, unmapped {unmapped or 'none'})",
        "   attempts per paid step: " + ", ".join(f"{n} step(s) took {k}" for k, n in sorted(attempts.items())),
    ]


def bench_flaky(args: argparse.Namespace, workdir: Path) -> list[str]:
    document = story(args.scenes, concurrency=args.jobs, retries=8)
    paid = paid_steps(document)
    total_steps = len(paid) + args.scenes + 2  # + soundtrack and video
    lines = [f"2. fake Gemini failing {args.fail_rate:.0%} of calls with 429/503 (seed {args.seed}), "
             f"{args.flaky_latency * 1000:.0f} ms per call, retries 8, render -j {args.jobs}"]
    with FakeGemini(latency=args.flaky_latency, fail_rate=args.fail_rate, seed=args.seed,
                    retry_delay="0.2s") as server:
        env = environment(server, 0.05)
        root = new_project(workdir, "flaky", document)
        log(f"render -j {args.jobs} against a fake failing {args.fail_rate:.0%} of calls")
        run = require(storybuild(root, env, "render", "-j", str(args.jobs)), "flaky render")
        built = sorted(step for _, step, _ in run.built())
        lines.append(f"   render: wall {run.wall:.2f} s, exit {run.returncode}, steps built {len(built)} of "
                     f"{total_steps} ({'ok' if len(built) == total_steps else 'BAD'})")
        lines += request_accounting(server.requests, document, paid)
        lines.append(f"   video: {check_video(root, document)}")
        before = len(server.requests)
        again = require(storybuild(root, env, "render"), "re-render")
        calls = len(server.requests) - before
        lines.append(f"   re-render: {calls} calls, wall {again.wall:.2f} s "
                     f"({'ok' if calls == 0 and again.stdout.startswith('up to date') else 'BAD'}): "
                     f"{again.stdout.split(' in ')[0].strip()}")
        if server.errors:
            lines.append(f"   fake server errors: {server.errors}")
    return lines


# -- 3. animated scenes ---------------------------------------------------------------------
def bench_animation(args: argparse.Namespace, workdir: Path) -> list[str]:
    document = story(4, concurrency=args.jobs, retries=5)
    document["providers"]["animation"] = {"provider": "gemini", "poll_seconds": args.poll, "seconds": 4}
    document["video"]["animate"] = True
    lines = [f"3. Veo: 4 animated scenes, each operation done after 3 polls, polled every {args.poll:g} s, "
             f"{args.latency * 1000:.0f} ms per call, render -j {args.jobs}"]
    with FakeGemini(latency=args.latency, operation_polls=3) as server:
        env = environment(server, 0.05)
        root = new_project(workdir, "animated", document)
        log(f"render -j {args.jobs} with 4 animated scenes, polls every {args.poll:g} s")
        run = require(storybuild(root, env, "render", "-j", str(args.jobs)), "animated render")
        operations: dict[str, list[Recorded]] = defaultdict(list)
        for call in server.requests:
            if call.kind == "poll":
                operations[call.path.rsplit("/", 1)[1]].append(call)
        gaps = [b.started - a.finished for calls in operations.values() for a, b in zip(calls, calls[1:])]
        spans = [(c[0].started, c[-1].finished) for c in operations.values()]
        overlap = max(sum(1 for s0, s1 in spans if s0 <= t < s1) for t, _ in spans) if spans else 0
        clips = sum(1 for _, step, _ in run.built() if step.startswith("animation/"))
        lines.append(f"   render: wall {run.wall:.2f} s, animation steps built {clips} of 4 "
                     f"({'ok' if clips == 4 else 'BAD'}), video starts {len(server.calls('video'))}, "
                     f"downloads {len(server.calls('download'))}")
        lines.append(f"   polls per operation: {sorted(len(c) for c in operations.values())}; shortest gap between "
                     f"two polls of one operation {min(gaps, default=0):.2f} s "
                     f"({'ok' if min(gaps, default=args.poll) >= args.poll * 0.95 else 'BAD'}: no busy loop); "
                     f"operations polled at once at most {overlap}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", type=int, default=12)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per call in figure 1")
    parser.add_argument("--jobs", type=int, default=8, help="the parallel -j (and provider concurrency)")
    parser.add_argument("--fail-rate", type=float, default=0.3)
    parser.add_argument("--flaky-latency", type=float, default=0.1, help="seconds per call in figure 2")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between polls of a Veo operation")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each -j in figure 1 (medians are compared)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-gemini-"))
    try:
        lines = [f"storybuild Gemini benchmark ({os.cpu_count()} CPUs, python {sys.version.split()[0]})"]
        lines += bench_parallel(args, workdir)
        lines += bench_flaky(args, workdir)
        lines += bench_animation(args, workdir)
        print("\n".join(lines))
        if any(re.search(r"\bBAD\b", line) for line in lines):  # a correctness check failed (timing targets never fail)
            sys.exit(1)
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
