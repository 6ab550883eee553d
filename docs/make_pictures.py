"""Makes the pictures in README.md from a real render of the bundled 3-scene example:

  docs/transition.png   five frames across the crossfade from the first scene to the second
  docs/captions.png     a caption page, the word being spoken highlighted (16:9 and 9:16)
  docs/cards.png        the title card and the end card

Every frame is decoded from the rendered MP4, so the pictures show what a viewer sees.

    python docs/make_pictures.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import av
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "whiskers-and-buster" / "story.yaml"
DOCS = REPO / "docs"
FPS = 24


def render(root: Path, aspect: str) -> Path:
    """Render the example at `aspect` in `root`; returns the video."""
    document = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    document["video"] = {"aspect": aspect, "resolution": 480, "fps": FPS,
                         "captions": {"highlight": "#ffd700"}, "transition": {"type": "crossfade", "seconds": 0.8}}
    (root / "story.yaml").write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
    subprocess.run([sys.executable, "-m", "storybuild", "render", str(root)], check=True, capture_output=True)
    return next((root / "build").glob("*.mp4"))


def cut_of(root: Path):
    """The film's timeline, laid out from the rendered voices as the video step did."""
    from storybuild import timeline
    from storybuild.graph import build_graph
    from storybuild.project import load_project

    project = load_project(root)
    seconds = {}
    for scene in project.scenes:
        with wave.open(str(root / "build" / "scenes" / scene.id / "voice.wav")) as voice:
            seconds[f"voice/{scene.id}"] = voice.getnframes() / voice.getframerate()
    plan = build_graph(project)[-1].params["timeline"]
    return timeline.lay_out(plan, seconds, FPS, project.video.sample_rate)


def frames(video: Path, wanted: list[int]) -> dict[int, Image.Image]:
    found = {}
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                found[index] = frame.to_image()
    return found


def segment_start(cut, step: str) -> tuple[int, int]:
    start = 0
    for segment in cut.segments:
        if segment.step == step:
            return start, segment.frames
        start += segment.frames
    raise SystemExit(f"no segment {step}")


def strip(images: list[Image.Image], height: int, gap: int = 6) -> Image.Image:
    scaled = [image.resize((round(image.width * height / image.height), height)) for image in images]
    out = Image.new("RGB", (sum(i.width for i in scaled) + gap * (len(scaled) - 1), height), (255, 255, 255))
    x = 0
    for image in scaled:
        out.paste(image, (x, 0))
        x += image.width + gap
    return out


def caption_frame(root: Path, video: Path, cut, scene: str) -> Image.Image:
    """A frame in the middle of the scene's second spoken word (a highlight shows)."""
    import json

    start, _ = segment_start(cut, f"clip/{scene}")
    pages = json.loads((root / "build" / "scenes" / scene / "captions.json").read_text("utf-8"))["pages"]
    first_page_start, first_page_end, _ = pages[0]
    at = start + round((first_page_start + (first_page_end - first_page_start) * 0.3) * FPS)
    return frames(video, [at])[at]


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="storybuild-docs-") as tmp:
        wide, tall = Path(tmp, "wide"), Path(tmp, "tall")
        wide.mkdir()
        tall.mkdir()
        video = render(wide, "16:9")
        cut = cut_of(wide)
        start, count = segment_start(cut, "transition/garden+rainbow")
        picks = [start - 1] + [start + round(count * k / 4) for k in (1, 2, 3)] + [start + count]
        got = frames(video, picks)
        strip([got[i] for i in picks], 180).save(DOCS / "transition.png", optimize=True)
        title, _ = segment_start(cut, "card/title")
        end, end_frames = segment_start(cut, "card/end")
        got = frames(video, [title + 30, end + end_frames // 2])
        strip([got[title + 30], got[end + end_frames // 2]], 240).save(DOCS / "cards.png", optimize=True)
        portrait = render(tall, "9:16")
        images = [caption_frame(wide, video, cut, "rainbow"), caption_frame(tall, portrait, cut_of(tall), "rainbow")]
        strip(images, 400).save(DOCS / "captions.png", optimize=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print("wrote", ", ".join(str(p.relative_to(REPO)) for p in sorted(DOCS.glob("*.png"))))


if __name__ == "__main__":
    main()
