"""What running steps on Dask costs: `render --executor dask` (a LocalCluster of
worker processes on this machine) against the local executor, same steps.

The 3-scene example at 480p is rendered once to fill a shared folder store; then the
same 16 steps (everything but the 3 voices, which come from the store so both runs lay
out the same film) are forced twice, cold processes: with the local executor and with
`--executor dask`. The difference, divided by the steps run, is Dask's overhead per step
(shipping the step and the story, fetching inputs from and uploading outputs to the
shared store, fetching outputs back); the cluster's start and stop are measured apart.
One run: figures from different runs of these noisy machines do not compare.

    python benchmarks/bench_dask.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "examples" / "whiskers-and-buster" / "story.yaml"
FORCED = [arg for kind in ("image", "card", "clip", "transition", "soundtrack", "video") for arg in ("--force", kind)]


def render(folder: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "storybuild", "render", "-q", *args, str(folder)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


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
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        folder = Path(tmp) / "story"
        folder.mkdir()
        document = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
        document["video"] = {**document.get("video", {}), "resolution": 480}
        (folder / "story.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        shared = ["--remote", (Path(tmp) / "shared").as_uri()]
        render(folder, *shared)
        load = os.getloadavg()[0]
        local = render(folder, *shared, *FORCED)
        dask = render(folder, *shared, "--executor", "dask", *FORCED)
        up, down = cluster_start_stop()
        steps = 16
        print(f"3-scene example at 480p, {steps} steps forced, {os.cpu_count()} cores, "
              f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
        print(f"local executor:           {local:6.2f} s")
        print(f"--executor dask:          {dask:6.2f} s (LocalCluster of {os.cpu_count()} worker processes)")
        print(f"cluster start / stop:     {up:6.2f} s / {down:.2f} s (measured apart)")
        per_step = (dask - local - up - down) / steps
        print(f"overhead per step:        {per_step * 1000:6.0f} ms (difference less start and stop, / {steps})")


if __name__ == "__main__":
    main()
