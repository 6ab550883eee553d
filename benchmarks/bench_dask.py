"""What running steps on Dask costs: `render --executor dask` (a LocalCluster of
worker processes on this machine) against the local executor, same steps.

The 3-scene example (or with --big the 12-scene one) at 480p is rendered once to fill a
shared folder store; then the same steps (everything but the voices, which come from the
store so both runs lay out the same film) are forced twice, cold processes: with the
local executor and with `--executor dask`; the two videos are decoded and their frame
counts and durations compared. The difference, divided by the steps run, is Dask's overhead per step
(shipping the step and the story, fetching inputs from and uploading outputs to the
shared store, fetching outputs back); the cluster's start and stop are measured apart.
One run: figures from different runs of these noisy machines do not compare.

    python benchmarks/bench_dask.py
    python benchmarks/bench_dask.py --big    # the 12-scene example (~2 min)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "examples" / "whiskers-and-buster" / "story.yaml"
BIG = REPO / "examples" / "moonlight-lantern-parade"
FORCED = [arg for kind in ("image", "card", "clip", "transition", "soundtrack", "video") for arg in ("--force", kind)]


def render(folder: Path, *args: str) -> tuple[float, int]:
    """(wall seconds, steps built) of one cold `storybuild render`."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "storybuild", "render", "-q", *args, str(folder)], check=True,
                          stdout=subprocess.PIPE, text=True)
    built = re.search(r"built (\d+)", done.stdout)
    return time.perf_counter() - started, int(built.group(1)) if built else 0


def video_facts(folder: Path) -> tuple[int, float]:
    """(decoded frames, seconds of sound) of the project's final video."""
    import av

    video = next((folder / "build").glob("*.mp4"))
    with av.open(str(video)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    with av.open(str(video)) as container:
        samples = sum(frame.samples for frame in container.decode(audio=0))
        rate = container.streams.audio[0].rate
    return frames, samples / rate


def cluster_start_stop() -> tuple[float, float]:
    from dask.distributed import Client, LocalCluster

    started = time.perf_counter()
    cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1")
    client = Client(cluster)
    up = time.perf_counter() - started
    started = time.perf_counter()
    client.close()
    cluster.close()
    return up, time.perf_counter() - started


def main() -> None:
    big = "--big" in sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        folder = Path(tmp) / "story"
        if big:
            shutil.copytree(BIG, folder, ignore=shutil.ignore_patterns("build"))
        else:
            folder.mkdir()
        story = folder / "story.yaml"
        document = yaml.safe_load((story if big else SMALL).read_text(encoding="utf-8"))
        document["video"] = {k: v for k, v in document.get("video", {}).items() if k not in ("size", "aspect")}
        document["video"]["resolution"] = 480
        story.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
        shared = ["--remote", (Path(tmp) / "shared").as_uri()]
        render(folder, *shared)
        load = os.getloadavg()[0]
        local, steps = render(folder, *shared, *FORCED)
        here = video_facts(folder)
        dask, _ = render(folder, *shared, "--executor", "dask", *FORCED)
        there = video_facts(folder)
        up, down = cluster_start_stop()
        name = "12-scene" if big else "3-scene"
        print(f"{name} example at 480p, {steps} steps forced, {os.cpu_count()} cores, "
              f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
        print(f"video, local executor:    {here[0]} frames, {here[1]:.3f} s of sound")
        print(f"video, --executor dask:   {there[0]} frames, {there[1]:.3f} s of sound "
              f"({'the same' if here == there else 'DIFFERENT'})")
        print(f"local executor:           {local:6.2f} s")
        print(f"--executor dask:          {dask:6.2f} s (LocalCluster of {os.cpu_count()} worker processes)")
        print(f"cluster start / stop:     {up:6.2f} s / {down:.2f} s (measured apart)")
        per_step = (dask - local - up - down) / steps
        print(f"overhead per step:        {per_step * 1000:6.0f} ms (difference less start and stop, / {steps})")


if __name__ == "__main__":
    main()
