"""Benchmark `storybuild render A B C ...` (one scheduler for many stories) against
rendering the same stories one after another.

Eight copies of the 3-scene example (480p, as written otherwise) in eight folders,
rendered cold twice from empty build folders: once as eight `storybuild render DIR`
processes in a row, once as one `storybuild render DIR1 ... DIR8`. Both with the
default -j. One run: figures from different runs of these noisy machines do not compare.

    python benchmarks/bench_batch.py            # 8 copies
    python benchmarks/bench_batch.py --copies 4
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "examples" / "whiskers-and-buster" / "story.yaml"


def make_copies(root: Path, copies: int) -> list[Path]:
    document = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    document["video"] = {**document.get("video", {}), "resolution": 480}
    document["video"].pop("size", None)
    folders = []
    for number in range(copies):
        folder = root / f"story-{number + 1}"
        folder.mkdir(parents=True)
        (folder / "story.yaml").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        folders.append(folder)
    return folders


def storybuild(*args: str) -> float:
    env = {**os.environ, "STORYBUILD_REMOTE": ""}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "storybuild", "render", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def clear(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder / "build", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)
    copies = parser.parse_args().copies
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folders = make_copies(Path(tmp), copies)
        storybuild(str(folders[0]))  # warm the disk cache (fonts, voice model); not measured
        clear(folders)
        load = os.getloadavg()[0]
        in_a_row = sum(storybuild(str(folder)) for folder in folders)
        clear(folders)
        batch = storybuild(*map(str, folders))
        print(f"{copies} copies of the 3-scene example at 480p, {os.cpu_count()} cores, "
              f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
        print(f"one after another: {in_a_row:6.1f} s ({in_a_row / copies:.1f} s a story)")
        print(f"one batch:         {batch:6.1f} s ({batch / copies:.1f} s a story)")
        print(f"speed-up:          {in_a_row / batch:6.2f}x (target >= 1.5x)")


if __name__ == "__main__":
    main()
