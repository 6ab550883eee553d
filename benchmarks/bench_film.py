"""What transitions cost: composition of the 12-scene example with crossfades between
scenes against the same film with hard cuts, from ONE run (side by side).

Both variants keep the title and end cards; "cuts" also has no fades at the ends, so
it has no transition step at all. Images and narration are built once per variant
first; the figure is the composition alone (`--force clip --force card --force
transition --force soundtrack --force video`), as wall time of a cold process, as
the CPU time of it and its ffmpeg, and as the sum of its steps' seconds per kind.

    python benchmarks/bench_film.py           # 12-scene example
    python benchmarks/bench_film.py --quick   # 3-scene example
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from bench_render import BIG, SMALL, run  # benchmarks/ is sys.path[0] when run as a script

COMPOSE = ["--force", "clip", "--force", "card", "--force", "soundtrack", "--force", "video"]
STEP_LINE = re.compile(r"\] +[\d.]+s built +(\S+) \(([\d.]+)s\)")


def variant(example: Path, work: Path, name: str, cuts: bool) -> Path:
    """A copy of the example's story.yaml, with hard cuts and no fades when `cuts`."""
    import yaml

    document = yaml.safe_load((example / "story.yaml").read_text("utf-8"))
    if cuts:
        document["video"].update({"transition": "cut", "fade": 0})
    else:
        document["video"].update({"transition": {"type": "crossfade", "seconds": 0.5}, "fade": 0.5})
    project = work / name
    shutil.copytree(example, project, ignore=shutil.ignore_patterns("build"))  # with its music
    (project / "story.yaml").write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
    return project


def by_kind(stderr: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for step, seconds in STEP_LINE.findall(stderr):
        kind = step.split("/")[0]
        totals[kind] = round(totals.get(kind, 0.0) + float(seconds), 2)
    return totals


def storybuild(*args: str):
    """Run storybuild; returns the Run with `.cpu` set: user+sys seconds of it and of
    everything it waited for (ffmpeg), steadier than wall time on a shared machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run([sys.executable, "-m", "storybuild", *args])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 3-scene example")
    options = parser.parse_args()
    example = SMALL if options.quick else BIG
    print(f"example: {example.name}; load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-film-") as tmp:
        projects = {name: variant(example, Path(tmp), name, name == "cuts") for name in ("cuts", "transitions")}
        for name, project in projects.items():
            first = storybuild("render", str(project))
            print(f"{name:<12} full render {first.seconds:6.2f} s")
        results = {name: storybuild("render", *COMPOSE, *(["--force", "transition"] if name == "transitions" else []),
                                    str(project)) for name, project in projects.items()}
    for name, result in results.items():
        kinds = by_kind(result.stderr)
        print(f"{name:<12} composition {result.seconds:6.2f} s wall, {result.cpu:6.2f} s CPU; "
              f"step seconds by kind: {kinds}; sum {sum(kinds.values()):.2f} s")
    for what, key in (("wall time", "seconds"), ("CPU time", "cpu")):
        ratio = getattr(results["transitions"], key) / getattr(results["cuts"], key)
        print(f"transitions / cuts, composition {what}: {ratio:.3f} ({(ratio - 1) * 100:+.1f} %; target <= +15 %)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
