"""What the encoder's CRF costs and buys: one 4 s 720p motion clip of a storyboard
picture (96 frames, the clips' own encoder settings) at CRF 20, 23 and 26, with the
CPU time of the render (the process and its ffmpeg), the file size, and PSNR / SSIM
against a lossless (CRF 0) encode of the same frames. One run, side by side.

    python benchmarks/bench_quality.py
"""

from __future__ import annotations

import re
import resource
import subprocess
import tempfile
from pathlib import Path

from storybuild import compose
from storybuild.media import ffmpeg_exe

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "moonlight-lantern-parade" / "story.yaml"


def picture(folder: Path) -> Path:
    """A storyboard picture of the example's fourth scene, drawn by the real provider."""
    from storybuild.graph import build_graph
    from storybuild.model import ProviderChoice
    from storybuild.project import load_project
    from storybuild.providers import create
    from storybuild.providers.base import SceneImageRequest

    step = [s for s in build_graph(load_project(EXAMPLE)) if s.kind == "image"][3]
    out = folder / "picture.png"
    create("image", ProviderChoice("storyboard")).draw_scene(SceneImageRequest.from_params(step.params), {}, out)
    return out


def render(image: Path, out: Path, crf: int) -> float:
    """CPU seconds of rendering the clip at `crf` (the clips' encoder settings otherwise)."""
    original = compose.encoder_args

    def args(fps: int, frames: int) -> list[str]:
        values = original(fps, frames)
        values[values.index("-crf") + 1] = str(crf)
        return values

    compose.encoder_args = args
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
        compose.render_clip(image, out, width=1280, height=720, fps=24, frames=96, captions=None, motion=True,
                            motion_seed="bench")
        after = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    finally:
        compose.encoder_args = original
    return sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))


def quality(encoded: Path, reference: Path) -> tuple[float, float]:
    """(PSNR dB, SSIM) of `encoded` against `reference`, by ffmpeg's own filters."""
    log = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(encoded), "-i", str(reference),
                          "-lavfi", "[0][1]ssim;[0][1]psnr", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    return float(re.search(r"average:([\d.]+)", log)[1]), float(re.search(r"All:([\d.]+)", log)[1])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        folder = Path(tmp)
        image = picture(folder)
        reference = folder / "lossless.mp4"
        render(image, reference, 0)
        print("| CRF | CPU s | size KB | PSNR dB | SSIM |")
        print("| --- | --- | --- | --- | --- |")
        for crf in (20, 23, 26):
            out = folder / f"crf{crf}.mp4"
            cpu = min(render(image, out, crf) for _ in range(3))
            psnr, ssim = quality(out, reference)
            print(f"| {crf} | {cpu:.3f} | {out.stat().st_size // 1024} | {psnr:.1f} | {ssim:.4f} |")


if __name__ == "__main__":
    main()
