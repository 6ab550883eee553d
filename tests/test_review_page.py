"""The review page (build/index.html): the pure page, and a real render's page in a real
headless Chromium and Firefox (the OS packages; skipped with a clear message when missing)."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest
import yaml

from browser import browser, firefox  # noqa: F401 - fixtures
from conftest import run_cli, still_story, write_story
from storybuild import review_page
from storybuild.review_page import ReviewPage, SceneCard, StepRow

# Plays the final video muted at 16x to its end: {ended, error} (error: a MediaError code).
PLAY_TO_THE_END = """new Promise(done => {
    const video = document.getElementById('film');
    video.muted = true; video.playbackRate = 16;
    video.onended = () => done({ended: video.ended, error: video.error && video.error.code});
    video.onerror = () => done({ended: false, error: video.error.code});
    video.play().catch(e => done({ended: false, error: String(e)}));
})"""
HOSTILE = 'Buster said <script>window.pwned = 1</script> & "ran" <img src=x onerror="window.pwned=2">'


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The 3-scene example, small and still, with a hostile narration in its second scene."""
    document = still_story()
    document["scenes"][1]["narration"] = HOSTILE
    root = tmp_path_factory.mktemp("review")
    write_story(root, document)
    run_cli("render", str(root), check=True)
    return root, document


def _card(**changes) -> SceneCard:
    fields = dict(scene_id="garden", title="In the garden", narration="One sunny morning.", prompt="a garden",
                  image="scenes/garden/image.png?v=abc", clip="scenes/garden/clip.mp4?v=def",
                  pages=((0.1, 1.5, ("One sunny", "morning.")),), duration=4.25,
                  steps=(StepRow("image/garden", "fresh", 0.42), StepRow("voice/garden", "built", 0.91)))
    fields.update(changes)
    return SceneCard(**fields)


def _page(**changes) -> ReviewPage:
    fields = dict(title="Rainbow Day", width=1280, height=720, summary="1 built, 2 fresh in 1.2 s",
                  video="rainbow-day.mp4?v=123", captions="rainbow-day.vtt?v=456", scenes=(_card(),),
                  film=(StepRow("video", "built", 0.3),))
    fields.update(changes)
    return ReviewPage(**fields)


def test_page_shows_each_scene_with_its_steps_pages_and_duration():
    text = review_page.render(_page())
    assert text.count('<article class="card changed"') == 1
    assert '<p class="narration">One sunny morning.</p>' in text
    assert ('<li class="step built"><code>voice/garden</code> <span class="state">built this run</span> '
            '<span class="took">0.9 s</span></li>') in text
    assert '<li class="step fresh"><code>image/garden</code> <span class="state">fresh</span>' in text
    assert '<li><span class="when">0.1–1.5 s</span> One sunny<br>morning.</li>' in text
    assert '<p class="duration">4.2 s in the film</p>' in text  # no start known: no button
    cued = review_page.render(_page(scenes=(_card(start=72.5),)))
    assert 'data-scene="garden" data-start="72.500"' in cued
    assert ('<p class="duration">4.2 s in the film <button type="button" class="seek" data-start="72.500" '
            'aria-label="Play the film from scene garden, at 1:12">\u25b6 from 1:12</button></p>') in cued
    assert 'alt="Picture of scene garden: a garden"' in text
    assert 'aria-label="Clip of scene garden"' in text
    assert '<p class="summary">1 built, 2 fresh in 1.2 s</p>' in text
    assert 'class="landscape"' in text
    assert 'label="Captions" src="rainbow-day.vtt?v=456" default>' in text
    burned = review_page.render(_page(burned=True))  # no second copy over the burned-in captions
    assert 'label="Captions" src="rainbow-day.vtt?v=456">' in burned


def test_page_escapes_story_text_and_lays_out_portrait_videos():
    text = review_page.render(_page(title="<b>T</b>", height=1920, width=1080,
                                    scenes=(_card(narration=HOSTILE, prompt='"><script>x()</script>'),)))
    assert "<script>window" not in text and "<img src=x" not in text and "<b>T</b>" not in text
    assert f'<p class="narration">{html.escape(HOSTILE)}</p>' in text
    assert text.count("<script>") == 1  # only the page's own
    assert 'class="portrait"' in text


def test_a_dialogue_scene_shows_each_line_with_its_speaker():
    text = review_page.render(_page(scenes=(_card(lines=(("Pip", "Look, <lanterns>!"), ("Narrator", "Pip smiled."))),)))
    assert ('<ol class="narration dialogue"><li><span class="who">Pip</span> Look, &lt;lanterns&gt;!</li>'
            '<li><span class="who">Narrator</span> Pip smiled.</li></ol>') in text


def test_failed_steps_show_their_message_in_a_banner_and_on_the_card():
    card = _card(steps=(StepRow("voice/garden", "failed", None, "piper produced no audio"),
                        StepRow("clip/garden", "skipped")), clip=None)
    text = review_page.render(_page(scenes=(card,), failures=(("voice/garden", "piper produced no audio"),),
                                    video=None))
    assert ('<div class="banner error" role="alert"><strong>The render failed.</strong>'
            '<ul><li><code>voice/garden</code>: piper produced no audio</li></ul></div>') in text
    assert '<span class="message">piper produced no audio</span>' in text
    assert '<span class="state">skipped: an input failed</span>' in text
    assert '<article class="card failed"' in text
    assert "The video is not built yet." in text and "no clip yet" in text


def test_render_writes_the_page_that_clean_removes_and_a_users_file_is_kept(rendered, tmp_path):
    root, _ = rendered
    page = root / "build" / "index.html"
    assert page.is_file() and os.stat(page).st_nlink == 2  # a hard link of its stored object
    text = page.read_text("utf-8")
    assert '<h1>Whiskers and Buster&#x27;s Rainbow Day</h1>' in text
    assert re.search(r'<p class="summary">19 built, 0 fresh in \d+\.\d s</p>', text)
    assert 'src="whiskers-and-buster-s-rainbow-day.mp4?v=' in text
    assert run_cli("render", str(root), check=True).stdout.startswith("up to date")
    assert page.read_text("utf-8") == text  # a render with nothing to do leaves the page alone

    page.unlink()
    run_cli("render", str(root), check=True)  # nothing to do, but the page was missing
    assert '<p class="summary">0 built, 19 fresh in' in page.read_text("utf-8")

    copy = tmp_path / "copy"
    write_story(copy, yaml.safe_load((root / "story.yaml").read_text("utf-8")))
    (copy / "build").mkdir()
    (copy / "build" / "index.html").write_text("my own notes")
    run_cli("render", str(copy), check=True)
    assert (copy / "build" / "index.yours.html").read_text() == "my own notes"
    assert run_cli("clean", str(copy), check=True).stdout.endswith(
        f"kept 1 file storybuild did not make: {copy / 'build' / 'index.yours.html'}\n")
    assert not (copy / "build" / "index.html").exists()


def _open_and_check_cards(page, rendered) -> Path:
    """Open the rendered page in `page` (either browser): one card per scene with its
    narration, the hostile text inert, every picture loaded. Returns build/."""
    root, document = rendered
    build = root / "build"
    page.open((build / "index.html").as_uri())
    narrations = page.evaluate("[...document.querySelectorAll('article.card .narration')].map(e => e.textContent)")
    assert narrations == [scene["narration"] for scene in document["scenes"]]
    assert page.evaluate("window.pwned === undefined")
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth === 480)")
    return build


def _played_alone(page, build: Path) -> None:
    """The film played to its end, and the page asked only for its own files (and the
    browser's built-in control icons, data: URLs) and logged no error."""
    assert page.evaluate(PLAY_TO_THE_END) == {"ended": True, "error": None}
    outside = [url for url in page.requests if not url.startswith((build.as_uri() + "/", "data:"))]
    assert outside == [] and page.errors == []


def test_the_page_plays_in_chromium_with_every_card_and_no_outside_request(rendered, browser):
    build = _open_and_check_cards(browser, rendered)
    # Keyboard and screen readers: every picture described, every player named, and
    # the first Tab lands on the skip link.
    assert browser.evaluate("[...document.images].every(i => i.alt.startsWith('Picture of scene '))")
    assert browser.evaluate("[...document.querySelectorAll('video')].every(v => v.getAttribute('aria-label'))")
    browser.call("Input.dispatchKeyEvent", type="keyDown", key="Tab", code="Tab", windowsVirtualKeyCode=9)
    browser.call("Input.dispatchKeyEvent", type="keyUp", key="Tab", code="Tab", windowsVirtualKeyCode=9)
    assert browser.evaluate("document.activeElement.textContent") == "Skip to the storyboard"
    # Each card's button plays the film from its scene: the scene's first subtitle is
    # inside the scene's time in the film.
    starts = browser.evaluate("[...document.querySelectorAll('article.card')].map(c => parseFloat(c.dataset.start))")
    lengths = [float(text.split()[0]) for text in browser.evaluate(
        "[...document.querySelectorAll('article.card .duration')].map(p => p.textContent)")]
    cues = [_vtt_seconds(line.split(" --> ")[0]) for line in
            next(build.glob("*.vtt")).read_text("utf-8").splitlines() if " --> " in line]
    for start, length in zip(starts, lengths):
        assert any(start < cue < start + length for cue in cues), (start, length, cues)
    assert starts == sorted(starts) and starts[0] > 0  # after the title card
    browser.evaluate("document.querySelectorAll('button.seek')[2].click()")
    browser.wait_for(f"Math.abs(document.getElementById('film').currentTime - {starts[2]}) < 0.1")
    browser.evaluate("document.getElementById('film').pause()")
    _played_alone(browser, build)


def test_the_page_plays_in_firefox_with_every_card_and_no_outside_request(rendered, firefox):
    """The same page in Firefox (its own H.264 path: the system's libavcodec)."""
    _played_alone(firefox, _open_and_check_cards(firefox, rendered))


def test_steps_from_the_shared_store_show_as_downloaded():
    from storybuild.execute import RenderResult
    from storybuild.review_publish import summary

    result = RenderResult(built=["clip/a"], downloaded=["image/a", "voice/a"], fresh=["video"])
    assert review_page.outcomes(result)["image/a"] == ("downloaded", "")
    assert review_page.STATE_WORDS["downloaded"] == "downloaded from the shared store"
    assert summary(result, 1.25) == "1 built, 2 downloaded, 1 fresh in 1.2 s"


def _vtt_seconds(stamp: str) -> float:
    """Seconds of a WebVTT time stamp ("00:01:02.345")."""
    hours, minutes, seconds = stamp.strip().split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
