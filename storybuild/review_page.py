"""PURE: the review page (build/index.html) of a render, as one self-contained HTML string.

The page is a static file that works opened from the file system: CSS and script are
inline, media are referenced by paths relative to build/ (with `?v=<digest>` so a
browser never shows a cached old clip), and nothing is fetched from anywhere else.
Served by `storybuild watch`, its small script also listens for server-sent events
and swaps in the new page when a render finishes. Every piece of story text is
escaped, so a narration holding `<script>` shows as text and never runs.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import quote

# Bump when the page's markup changes: a no-op render rewrites a page of an older recipe.
RECIPE = 3  # 2: steps downloaded from the shared store; 3: steps shared within a batch

# step outcome -> the words shown for it
STATE_WORDS = {
    "built": "built this run",
    "restored": "restored from the store",
    "downloaded": "downloaded from the shared store",
    "shared": "copied from another story of the batch",
    "fresh": "fresh",
    "failed": "failed",
    "skipped": "skipped: an input failed",
    "waiting": "not run",
}


@dataclass(frozen=True)
class StepRow:
    """One step as the page shows it. `state` is a key of STATE_WORDS; `seconds` is
    how long the step's current output took to make (None when it has none)."""

    step_id: str
    state: str
    seconds: float | None = None
    message: str = ""


@dataclass(frozen=True)
class SceneCard:
    """One scene's card. Media fields are URLs relative to build/ (None when the file
    does not exist yet); `pages` are (start, end, lines) in seconds from the clip's
    first frame; `changed` is True when a step of the scene was built this run."""

    scene_id: str
    title: str
    narration: str
    prompt: str
    speaker: str = ""
    image: str | None = None
    clip: str | None = None
    pages: tuple[tuple[float, float, tuple[str, ...]], ...] = ()
    duration: float | None = None
    steps: tuple[StepRow, ...] = ()
    lines: tuple[tuple[str, str], ...] = ()  # a dialogue's (speaker name, text); empty: narration
    start: float | None = None  # seconds from the film's start to the scene's (None: not known yet)

    @property
    def changed(self) -> bool:
        return any(row.state == "built" for row in self.steps)

    @property
    def failed(self) -> bool:
        return any(row.state in ("failed", "skipped") for row in self.steps)


@dataclass(frozen=True)
class ReviewPage:
    """Everything the page shows. `width`/`height` are the video's size (its aspect
    sets the layout: portrait videos get narrower cards); `film` holds the steps that
    belong to no scene (cards, transitions, soundtrack, the join)."""

    title: str
    width: int
    height: int
    summary: str
    video: str | None = None
    captions: str | None = None
    scenes: tuple[SceneCard, ...] = ()
    film: tuple[StepRow, ...] = ()
    failures: tuple[tuple[str, str], ...] = field(default=())
    burned: bool = False  # captions are in the picture: the .vtt track is offered, not shown


def media_url(rel: str, digest: str | None) -> str:
    """A URL relative to build/ for the view at `rel`, versioned by its object digest."""
    url = quote(rel)
    return f"{url}?v={digest[:12]}" if digest else url


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} s"


def render(page: ReviewPage) -> str:
    """The complete HTML document for `page`: no external resource, all text escaped."""
    portrait = page.height > page.width
    cards = "\n".join(_card(card, page) for card in page.scenes)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="storybuild">\n'
        # No network: the policy forbids any origin but this page's own files (and the
        # live events of `storybuild watch`, which come from the same origin).
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; "
        "img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "connect-src 'self'\">\n"
        f"<title>{_e(page.title)} · storybuild review</title>\n"
        f"<style>{_CSS}</style></head>\n"
        f'<body class="{"portrait" if portrait else "landscape"}">\n'
        '<a class="skip" href="#storyboard">Skip to the storyboard</a>\n'
        '<div id="live" role="status" aria-live="polite" hidden></div>\n'
        f"<main>\n<header><h1>{_e(page.title)}</h1>\n"
        f'<p class="summary">{_e(page.summary)}</p></header>\n'
        f"{_failures(page)}{_film(page)}"
        f'<section id="storyboard" aria-labelledby="storyboard-h"><h2 id="storyboard-h">Storyboard '
        f'<span class="count">({len(page.scenes)} scene{"" if len(page.scenes) == 1 else "s"})</span></h2>\n'
        f'<div class="grid">\n{cards}\n</div></section>\n'
        f"{_film_steps(page)}</main>\n"
        f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )


def _failures(page: ReviewPage) -> str:
    if not page.failures:
        return ""
    items = "".join(f"<li><code>{_e(step)}</code>: {_e(message)}</li>" for step, message in page.failures)
    return f'<div class="banner error" role="alert"><strong>The render failed.</strong><ul>{items}</ul></div>\n'


def _film(page: ReviewPage) -> str:
    if page.video is None:
        return '<section class="film"><p class="missing">The video is not built yet.</p></section>\n'
    track = ""
    if page.captions:
        shown = "" if page.burned else " default"
        track = f'<track kind="captions" srclang="en" label="Captions" src="{_e(page.captions)}"{shown}>'
    return (f'<section class="film" aria-label="The video"><video id="film" controls preload="metadata" '
            f'aria-label="The video: {_e(page.title)}" width="{page.width}" height="{page.height}" '
            f'src="{_e(page.video)}">{track}</video></section>\n')


def _seek(card: SceneCard, page: ReviewPage) -> str:
    """A button playing the film from the scene's start (where the seam into it begins)."""
    if card.start is None or page.video is None:
        return ""
    at = f"{int(card.start // 60)}:{int(card.start % 60):02d}"
    return (f' <button type="button" class="seek" data-start="{card.start:.3f}" '
            f'aria-label="Play the film from scene {_e(card.scene_id)}, at {at}">\u25b6 from {at}</button>')


def _card(card: SceneCard, page: ReviewPage) -> str:
    classes = "card" + (" changed" if card.changed else "") + (" failed" if card.failed else "")
    heading = card.title or card.scene_id
    picture = (f'<img src="{_e(card.image)}" alt="Picture of scene {_e(card.scene_id)}: {_e(card.prompt)}" '
               f'width="{page.width}" height="{page.height}" loading="lazy">' if card.image
               else '<div class="missing media">no picture yet</div>')
    clip = (f'<video controls preload="metadata" src="{_e(card.clip)}" aria-label="Clip of scene {_e(card.scene_id)}" '
            f'width="{page.width}" height="{page.height}"></video>' if card.clip
            else '<div class="missing media">no clip yet</div>')
    badge = '<span class="badge">changed</span>' if card.changed else ""
    speaker = f'<p class="speaker">Read by {_e(card.speaker)}</p>' if card.speaker else ""
    duration = (f'<p class="duration">{_e(_seconds(card.duration))} in the film{_seek(card, page)}</p>'
                if card.duration is not None else "")
    start = f' data-start="{card.start:.3f}"' if card.start is not None else ""
    return (f'<article class="{classes}" id="scene-{_e(card.scene_id)}" data-scene="{_e(card.scene_id)}"{start} '
            f'aria-labelledby="h-{_e(card.scene_id)}">\n'
            f'<h3 id="h-{_e(card.scene_id)}">{_e(heading)} {badge}</h3>\n'
            f'<div class="media-pair">{picture}{clip}</div>\n'
            f'{speaker}{_spoken(card)}\n{duration}'
            f'{_pages(card)}{_steps(card.steps, f"Steps of scene {card.scene_id}")}</article>')


def _spoken(card: SceneCard) -> str:
    if not card.lines:
        return f'<p class="narration">{_e(card.narration)}</p>'
    items = "".join(f'<li><span class="who">{_e(who)}</span> {_e(text)}</li>' for who, text in card.lines)
    return f'<ol class="narration dialogue">{items}</ol>'


def _pages(card: SceneCard) -> str:
    if not card.pages:
        return ""
    items = "".join(f'<li><span class="when">{start:.1f}–{end:.1f} s</span> '
                    f'{"<br>".join(_e(line) for line in lines)}</li>' for start, end, lines in card.pages)
    return (f'<details class="pages"><summary>Caption pages ({len(card.pages)})</summary>'
            f"<ol>{items}</ol></details>\n")


def _steps(rows: tuple[StepRow, ...], label: str) -> str:
    items = []
    for row in rows:
        message = f'<span class="message">{_e(row.message)}</span>' if row.message else ""
        items.append(f'<li class="step {_e(row.state)}"><code>{_e(row.step_id)}</code> '
                     f'<span class="state">{_e(STATE_WORDS[row.state])}</span> '
                     f'<span class="took">{_e(_seconds(row.seconds))}</span>{message}</li>')
    return f'<ul class="steps" aria-label="{_e(label)}">{"".join(items)}</ul>\n'


def _film_steps(page: ReviewPage) -> str:
    if not page.film:
        return ""
    return (f'<section class="film-steps" aria-labelledby="film-h"><h2 id="film-h">Around the scenes</h2>'
            f'{_steps(page.film, "Steps of the film")}</section>\n')


_CSS = """
:root{color-scheme:light dark;--bg:#14161c;--fg:#eceff4;--muted:#a3aab8;--card:#1f232c;--line:#343a46;
--built:#ffd166;--restored:#8ecae6;--fresh:#95d5a0;--failed:#ff6b6b;--focus:#ffbf47}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Noto Sans",sans-serif}
main{max-width:1400px;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{margin:.2rem 0;font-size:1.7rem}h2{font-size:1.2rem;margin:1.5rem 0 .6rem}h3{margin:0 0 .5rem;font-size:1.05rem}
.summary,.count,.duration,.speaker,.took,.when{color:var(--muted)}
.skip{position:absolute;left:-999px;top:0;background:var(--focus);color:#000;padding:.5rem 1rem;z-index:2}
.skip:focus{left:0}
.seek{margin-left:.5rem;font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--line);
border-radius:6px;padding:.1rem .5rem;cursor:pointer}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
video,img{display:block;max-width:100%;height:auto;background:#000;border-radius:6px}
.film video{margin:0 auto;max-height:70vh;width:auto}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(300px,1fr))}
.portrait .grid{grid-template-columns:repeat(auto-fill,minmax(220px,1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.8rem}
.card.changed{border-color:var(--built);box-shadow:0 0 0 2px var(--built)}
.card.flash{animation:flash 2s ease-out}
@keyframes flash{from{box-shadow:0 0 0 8px var(--built)}to{box-shadow:0 0 0 2px var(--built)}}
.card.failed{border-color:var(--failed)}
.badge{font-size:.75rem;background:var(--built);color:#000;border-radius:4px;padding:0 .35rem;vertical-align:middle}
.media-pair{display:grid;grid-template-columns:1fr 1fr;gap:.4rem}
.portrait .media-pair img,.portrait .media-pair video{max-height:320px;margin:0 auto}
.missing{color:var(--muted);font-style:italic}
.media.missing{display:flex;align-items:center;justify-content:center;min-height:6rem;border:1px dashed var(--line);
border-radius:6px}
.narration{margin:.6rem 0 .3rem;font-size:1.05rem}
.dialogue{list-style:none;padding:0}.who{font-weight:700;color:var(--restored)}
.pages ol{margin:.3rem 0;padding-left:1.3rem}
.steps{list-style:none;margin:.5rem 0 0;padding:0;font-size:.88rem}
.steps li{padding:.15rem 0;border-top:1px solid var(--line)}
.step .state{font-weight:600}
.step.built .state{color:var(--built)}.step.restored .state,.step.downloaded .state,.step.shared .state{color:var(--restored)}
.step.fresh .state{color:var(--fresh)}.step.failed .state,.step.skipped .state{color:var(--failed)}
.message{display:block;color:var(--failed)}
.banner{border-radius:8px;padding:.7rem 1rem;margin:.8rem 0}
.banner.error{background:#4a1518;border:1px solid var(--failed)}
#live{position:sticky;top:0;z-index:1;background:#23324a;border-bottom:2px solid var(--restored);padding:.5rem 1.25rem}
#live.error{background:#4a1518;border-color:var(--failed);white-space:pre-wrap}
.film-steps .steps{columns:2 320px}
@media (prefers-color-scheme:light){:root{--bg:#f7f7fa;--fg:#1b1e25;--muted:#5a6170;--card:#fff;--line:#d9dce3;
--built:#b7791f;--restored:#1d6fa5;--fresh:#2f7d3b;--failed:#c53030;--focus:#1d4ed8}
.banner.error,#live.error{background:#fde8e8}#live{background:#e6f0fa}.badge{color:#fff}}
"""

# Live updates, only when served by `storybuild watch` (http): a status line while
# rendering (the steps running), the new page swapped in when a render finishes (changed cards flash),
# and a validation error shown as a banner. Opened from a file, it does nothing.
_SCRIPT = """
(function(){
  // Each card's "from 0:12" button plays the film from that scene (from a file too).
  function cue(at, play){
    var film = document.getElementById('film'); if (!film) return;
    function go(){ film.currentTime = Math.min(at, film.duration || at);
      if (play) film.play().catch(function(){}); }
    if (film.readyState >= 1) go(); else film.addEventListener('loadedmetadata', go, {once: true});
  }
  document.addEventListener('click', function(event){
    var button = event.target.closest && event.target.closest('button.seek'); if (!button) return;
    cue(parseFloat(button.dataset.start), true);
    document.getElementById('film').scrollIntoView({block: 'nearest'});
  });
  if (!/^https?:$/.test(location.protocol) || !window.EventSource) return;
  var live = document.getElementById('live');
  function say(text, error){ live.hidden = !text; live.textContent = text || '';
    live.className = error ? 'error' : ''; if (error) live.setAttribute('role', 'alert'); }
  // The new page replaces the old; its film is cued at the first changed scene (or
  // where the old one was), and plays on if the old one was playing.
  function swap(){
    var old = document.getElementById('film');
    var playing = !!old && !old.paused && !old.ended, at = old ? old.currentTime : 0;
    fetch(location.pathname, {cache: 'no-store'}).then(function(r){ return r.text(); }).then(function(text){
      var doc = new DOMParser().parseFromString(text, 'text/html');
      var fresh = doc.querySelector('main'); if (!fresh) return;
      document.querySelector('main').replaceWith(fresh); document.title = doc.title;
      fresh.querySelectorAll('.card.changed').forEach(function(card){ card.classList.add('flash'); });
      var changed = fresh.querySelector('.card.changed[data-start]');
      if (changed || at > 0) cue(changed ? parseFloat(changed.dataset.start) : at, playing);
      document.dispatchEvent(new CustomEvent('storybuild:updated'));
    });
  }
  var events = new EventSource('/events');
  events.onmessage = function(message){
    var event = JSON.parse(message.data);
    if (event.state === 'rendering') say('Rendering\\u2026' + (event.message ? ' ' + event.message : ''));
    else if (event.state === 'error') say(event.message, true);
    else if (event.state === 'rendered') { say(event.message); swap(); }
  };
})();
"""


def outcomes(result) -> dict[str, tuple[str, str]]:
    """step id -> (state, message) from a RenderResult; steps it does not name were not run."""
    found: dict[str, tuple[str, str]] = {}
    for state, ids in result.by_state():
        found.update({step_id: (state, result.failed[step_id] if state == "failed" else "") for step_id in ids})
    return found


@dataclass(frozen=True)
class SceneMedia:
    """What the page shows of a scene's built files: media URLs, caption pages, the
    scene's length in the film and where it starts there (all None/empty until built)."""

    image: str | None = None
    clip: str | None = None
    pages: tuple[tuple[float, float, tuple[str, ...]], ...] = ()
    duration: float | None = None
    start: float | None = None


def build(project, steps, states: dict[str, tuple[str, str]], seconds: dict[str, float],
          media: dict[str, SceneMedia], video: tuple[str | None, str | None], summary: str) -> ReviewPage:
    """The page of `project` after a render: `states` from `outcomes`, `seconds` step id
    -> how long its current output took (from its trace), `media` scene id -> its files,
    `video` the (video, captions) URLs. Steps follow the graph's order."""
    rows = {s.id: StepRow(s.id, states.get(s.id, ("waiting", ""))[0], seconds.get(s.id),
                          states.get(s.id, ("waiting", ""))[1]) for s in steps}
    names = {c.id: c.name for c in project.characters}
    by_scene: dict[str | None, list[StepRow]] = {}  # one pass: a page of N scenes costs O(N), not O(N^2)
    for s in steps:
        by_scene.setdefault(s.scene, []).append(rows[s.id])
    cards = []
    for scene in project.scenes:
        extra = media.get(scene.id, SceneMedia())
        cards.append(SceneCard(
            scene.id, scene.title, scene.narration, scene.image, names.get(scene.speaker or "", ""),
            extra.image, extra.clip, extra.pages, extra.duration,
            tuple(by_scene.get(scene.id, ())),
            tuple((names.get(line.speaker or "", "Narrator"), line.text) for line in scene.lines), extra.start))
    film = tuple(by_scene.get(None, ()))
    failures = tuple((s.id, rows[s.id].message) for s in steps if rows[s.id].state == "failed")
    return ReviewPage(project.title, project.video.width, project.video.height, summary, video[0], video[1],
                      tuple(cards), film, failures, project.video.captions)
