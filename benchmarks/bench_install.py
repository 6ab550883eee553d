"""What google-genai costs an offline install: time, size and package count.

Two fresh venvs, one run each, nothing from pip's cache (`--no-cache-dir`): one gets
storybuild's runtime dependencies without google-genai, the other with it. Needs PyPI.
Run from the repo root: .venv/bin/python benchmarks/bench_install.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path


def dependencies() -> list[str]:
    """The runtime dependencies listed in pyproject.toml (the base install, no extras)."""
    data = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def measure(packages: list[str], folder: Path) -> tuple[float, int, int]:
    """(seconds to install, bytes in site-packages, installed distributions) in a fresh venv."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip"]
    subprocess.run(pip + ["install", "-q", "--upgrade", "pip"], check=True)
    site = next(folder.glob("lib/python*/site-packages"))
    before = {p.name for p in site.iterdir()}
    started = time.monotonic()
    subprocess.run(pip + ["install", "-q", "--no-cache-dir", *packages], check=True)
    seconds = time.monotonic() - started
    size = sum(f.stat().st_size for p in site.iterdir() if p.name not in before
               for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
    listed = subprocess.run(pip + ["list", "--format=freeze"], check=True, capture_output=True, text=True)
    return seconds, size, len(listed.stdout.split()) - 1  # pip itself does not count


def main() -> None:
    deps = dependencies()
    offline = [d for d in deps if not d.startswith("google-genai")]
    genai = [d for d in deps if d.startswith("google-genai")] or ["google-genai>=1.50"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [("without google-genai", measure(offline, Path(tmp) / "a")),
                ("with google-genai", measure(offline + genai, Path(tmp) / "b"))]
    for name, (seconds, size, count) in rows:
        print(f"{name:<22} {seconds:6.1f} s  {size / 1e6:7.1f} MB  {count} packages")
    (s0, b0, c0), (s1, b1, c1) = rows[0][1], rows[1][1]
    print(f"google-genai adds      {s1 - s0:6.1f} s  {(b1 - b0) / 1e6:7.1f} MB  {c1 - c0} packages")


if __name__ == "__main__":
    main()
