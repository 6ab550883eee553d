"""Makes docs/review.png, the review page in README.md, from a real render of the
bundled 3-scene example: rendered once, then its first narration edited and rendered
again (so the page shows a changed scene and what this render built), and the page
photographed by headless Chromium (the OS package, driven as the tests drive it).

    python docs/make_review_screenshot.py
"""

from __future__ import annotations

import base64
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser import MISSING, Browser, find_chromium  # noqa: E402

EXAMPLE = REPO / "examples" / "whiskers-and-buster" / "story.yaml"
OUT = REPO / "docs" / "review.png"


def render(root: Path) -> None:
    subprocess.run([sys.executable, "-m", "storybuild", "render", str(root)], check=True, capture_output=True)


def main() -> None:
    executable = find_chromium()
    if executable is None:
        raise SystemExit(MISSING)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        document = yaml.safe_load(EXAMPLE.read_text("utf-8"))
        document["video"] = {"aspect": "16:9", "resolution": 480, "fps": 24, "motion": False,
                             "captions": {"highlight": "#ffd700"}}
        (root / "story.yaml").write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
        render(root)
        document["scenes"][0]["narration"] = document["scenes"][0]["narration"].replace(
            "played chase in the flower garden", "played hide and seek among the tulips")
        (root / "story.yaml").write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), "utf-8")
        render(root)
        browser = Browser(executable)
        try:
            browser.call("Emulation.setDeviceMetricsOverride", width=1280, height=1180, deviceScaleFactor=1,
                         mobile=False)
            browser.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}])
            browser.open((root / "build" / "index.html").as_uri())
            browser.evaluate("document.querySelectorAll('details.pages').forEach(d => d.open = true)")
            browser.evaluate("""Promise.all([...document.querySelectorAll('video')].map(v => new Promise(done => {
                v.onseeked = done; v.currentTime = v.id === 'film' ? 5 : 2; })))""")
            browser.wait_for("[...document.images].every(i => i.complete) && "
                             "[...document.querySelectorAll('video')].every(v => v.readyState >= 3)")
            time.sleep(1.5)  # the players' spinners fade out after the seek
            shot = browser.call("Page.captureScreenshot", format="png")
        finally:
            browser.close()
    OUT.write_bytes(base64.b64decode(shot["data"]))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
