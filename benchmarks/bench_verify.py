"""What checking the store costs, on the 12-scene example (one run, figures side by side).

1. A cold full render (a new process, as a user runs it).
2. The input check that render did: every stored input of every step that ran hashed
   once (Store.intact, the executor's own call), timed here in-process on the same
   objects, against the full render's wall time (target: under 5 %).
3. No-op render and status (median of 5 cold runs): they only stat the objects against
   build/.storybuild/checked.json; and status once after deleting that cache (a copied
   store: every current object is hashed once).
4. `storybuild verify` of the whole store.

    python benchmarks/bench_verify.py [--example DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "moonlight-lantern-parade"
COLD_RUNS = 5


def timed(*args: str, ok=(0,)) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "storybuild", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in ok:
        raise SystemExit(f"storybuild {' '.join(args)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return seconds


def input_objects(project: Path) -> list[str]:
    """Digests a full render hashes before its steps read them: the outputs of every
    step that another step depends on (each hashed once per render)."""
    from storybuild.graph import build_graph
    from storybuild.project import load_project
    from storybuild.store import Store

    loaded = load_project(project / "story.yaml")
    store = Store(project / "build")
    digests: dict[str, None] = {}
    for step in build_graph(loaded):
        for dep in step.deps:
            digests.update(dict.fromkeys(store.current_trace(dep).outputs.values()))
    return list(digests)


def hash_inputs(project: Path, digests: list[str]) -> tuple[float, int]:
    """Seconds to hash `digests` with a fresh Store (as a new render does), total bytes."""
    from storybuild.store import Store

    store = Store(project / "build")
    started = time.perf_counter()
    assert all(store.intact(d) for d in digests)
    seconds = time.perf_counter() - started
    return seconds, sum(store.object_path(d).stat().st_size for d in digests)


def measure(example: Path, work: Path, log) -> dict:
    project = work / example.name
    shutil.copytree(example, project, ignore=shutil.ignore_patterns("build"))  # with its music
    fig: dict = {"example": example.name, "load_start": os.getloadavg()[0]}
    log("cold full render")
    fig["full_render"] = timed("render", str(project))
    digests = input_objects(project)
    runs = [hash_inputs(project, digests) for _ in range(3)]
    fig["input_objects"], fig["input_bytes"] = len(digests), runs[0][1]
    fig["input_check"] = statistics.median(seconds for seconds, _ in runs)
    fig["input_check_share"] = fig["input_check"] / fig["full_render"]
    log(f"no-op render and status, {COLD_RUNS} cold runs each")
    fig["noop_render"] = statistics.median(timed("render", str(project)) for _ in range(COLD_RUNS))
    fig["status"] = statistics.median(timed("status", str(project)) for _ in range(COLD_RUNS))
    (project / "build" / ".storybuild" / "checked.json").unlink()
    fig["status_without_cache"] = timed("status", str(project))
    fig["status_after"] = timed("status", str(project))
    log("verify the whole store")
    objects = list((project / "build" / ".storybuild" / "objects").glob("*/*"))
    fig["store_objects"], fig["store_bytes"] = len(objects), sum(p.stat().st_size for p in objects)
    fig["verify"] = timed("verify", str(project))
    fig["load_end"] = os.getloadavg()[0]
    return fig


def table(fig: dict) -> str:
    mb = 1024 * 1024
    return "\n".join([
        f"{fig['example']}, load average {fig['load_start']:.1f} at start, {fig['load_end']:.1f} at end",
        "| figure | value |",
        "| --- | --- |",
        f"| full offline render | {fig['full_render']:.2f} s |",
        f"| input check in it: {fig['input_objects']} objects, {fig['input_bytes'] / mb:.1f} MB hashed once "
        f"| {fig['input_check'] * 1000:.0f} ms = {fig['input_check_share'] * 100:.2f} % of the render |",
        f"| no-op render / status (median of {COLD_RUNS}) | {fig['noop_render']:.3f} s / {fig['status']:.3f} s |",
        f"| status with no checked.json (hashes current objects) / the next one "
        f"| {fig['status_without_cache']:.3f} s / {fig['status_after']:.3f} s |",
        f"| verify: {fig['store_objects']} objects, {fig['store_bytes'] / mb:.1f} MB | {fig['verify']:.3f} s |",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--example", type=Path, default=EXAMPLE)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    log = lambda text: print(f"[bench] {text}", file=sys.stderr, flush=True)  # noqa: E731
    work = Path(tempfile.mkdtemp(prefix="storybuild-verify-bench-"))
    try:
        fig = measure(args.example.resolve(), work, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(fig, indent=2) if args.json else table(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
