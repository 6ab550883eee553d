"""The report of bench_render.py: targets, ratios, the printed table and the verdicts.

Pure functions of the figures bench_render.py measured (a dict of seconds, counts and
bytes, the same one --json prints), so the table can be read next to the JSON.
"""

from __future__ import annotations

import os

VARIANTS = ("off", "on")  # video.motion; "off" is the like-for-like comparison with MoviePy
MIB = 1024 * 1024
LABEL = 60
TARGETS = {  # figure -> (text, passes); seconds, percent, ratios, MB
    "noop_render": ("< 0.5 s", lambda v: v < 0.5),
    "status": ("< 0.5 s", lambda v: v < 0.5),
    "edit_ratio": ("< 15 %", lambda v: v < 15),
    "speedup_full": (">= 3x", lambda v: v >= 3),
    "speedup_compose": (">= 3x", lambda v: v >= 3),
    "speedup_edit": (">= 15x", lambda v: v >= 15),
    "tree_pss": ("< 400 MB", lambda v: v < 400),
    "kenburns_full": (">= 3x", lambda v: v >= 3),
    "kenburns_compose": (">= 3x", lambda v: v >= 3),
    "still_over_motion_full": (">= 1x", lambda v: v >= 1),
}
RATIO_LABELS = {
    "edit_ratio": "   edit render / full render",
    "speedup_full": "   MoviePy full / storybuild full render",
    "speedup_compose": "   MoviePy full / storybuild composition only",
    "speedup_edit": "   MoviePy re-composition / storybuild edit render",
}


def derive(variant: dict) -> dict:
    """Ratios of one variant, each against MoviePy runs on that variant's own inputs."""
    return {
        "edit_ratio": 100 * variant["edit"] / variant["full"],
        "speedup_full": variant["moviepy_full"]["seconds"] / variant["full"],
        "speedup_compose": variant["moviepy_full"]["seconds"] / variant["compose"],
        "speedup_edit": variant["moviepy_edit"]["seconds"] / variant["edit"],
    }


def derive_kenburns(on: dict) -> dict:
    """Motion on against MoviePy making the same Ken Burns move, and against MoviePy
    composing still pictures (the issue's bar: motion at least as fast as that)."""
    kenburns = on["moviepy_kenburns"]["seconds"]
    return {"kenburns_full": kenburns / on["full"], "kenburns_compose": kenburns / on["compose"],
            "still_over_motion_full": on["moviepy_full"]["seconds"] / on["full"]}


def passes(key: str, value: float) -> bool:
    return TARGETS[key][1](value)


def verdict(key: str, value: float) -> str:
    return "ok" if passes(key, value) else "MISSED"


def meets_targets(fig: dict, ratios: dict, mem: dict) -> dict:
    """Every verdict as a boolean, for --json."""
    out: dict = {motion: {key: passes(key, value) for key, value in ratios[motion].items()} for motion in VARIANTS}
    out.update(noop_render=passes("noop_render", fig["noop_render"]), status=passes("status", fig["status"]))
    out["kenburns"] = {key: passes(key, value) for key, value in derive_kenburns(fig["on"]).items()}
    out["tree_pss"] = {f"{r['example']} ({r['scenes']} scenes)": passes("tree_pss", r["tree_pss"] / MIB)
                       for r in mem["renders"]}
    return out


# -- section A: storybuild vs MoviePy, motion off and on side by side -----------------------
def _pair(label: str, values: tuple[str, str], key: str | None = None, numbers: tuple = ()) -> str:
    """One row of the comparison: motion off, motion on; judged on motion off."""
    target, judged = (TARGETS[key][0], f"{verdict(key, numbers[0])} ({verdict(key, numbers[1])})") if key else ("", "")
    return f"{label:<{LABEL}}{values[0]:>12}{values[1]:>12}   {target:<10}{judged}".rstrip()


def _seconds(label: str, fig: dict, get) -> str:
    return _pair(label, tuple(f"{get(fig[motion]):.2f} s" for motion in VARIANTS))


def _ratio(key: str, fmt: str, ratios: dict) -> str:
    values = tuple(ratios[motion][key] for motion in VARIANTS)
    return _pair(RATIO_LABELS[key], tuple(fmt.format(v) for v in values), key, values)


def _kinds(by_kind: dict) -> str:
    return ", ".join(f"{kind} {secs:.1f}" for kind, secs in sorted(by_kind.items(), key=lambda kv: -kv[1]))


def _steps(fig: dict, key: str, counts: bool = True) -> list[str]:
    """Detail lines under a timed row: per variant, step counts and step seconds by kind."""
    return [f"     {motion + ':':<4} " + (f"built/restored/fresh {fig[motion][key + '_counts']}; " if counts else "")
            + f"step seconds by kind: {_kinds(fig[motion][key + '_by_kind'])}" for motion in VARIANTS]


def _inputs_note(fig: dict) -> str:
    video = fig["off"]["moviepy_full"]["video"]
    same = {"images": fig["same_images"], "narration": fig["same_voices"]}
    differ = [what for what, equal in same.items() if not equal]
    return (f"     MoviePy output {video['seconds']:.1f} s of video at {video['width']}x{video['height']}; each column's "
            "MoviePy runs use that column's own build"
            + (f" ({' and '.join(differ)} not byte-identical between the two builds)" if differ else
               " (both builds have byte-identical images and narration)"))


def comparison(fig: dict, ratios: dict) -> list[str]:
    """Section A: every timed figure for motion off (like for like) and motion on."""
    return [
        "A. storybuild vs MoviePy on the same story, images and narration. 'motion off' is like for like",
        "   (a still picture per scene as in MoviePy, captions still burned in, so storybuild does strictly",
        "   more); verdicts are judged on motion off, the motion-on verdict follows in parentheses.",
        f"{'figure':<{LABEL}}{'motion off':>12}{'motion on':>12}   {'target':<10}verdict off (on)",
        _seconds("1  full render, cold (images + narration + composition)", fig, lambda v: v["full"]),
        *_steps(fig, "full"),
        _seconds("2  composition only (render --force clip --force video)", fig, lambda v: v["compose"]),
        *_steps(fig, "compose", counts=False),
        _seconds(f"3  edit narration of '{fig['on']['edited_scene']}', render", fig, lambda v: v["edit"]),
        *_steps(fig, "edit"),
        _ratio("edit_ratio", "{:.1f} %", ratios),
        _seconds("   revert the edit, render (restore from the store)", fig, lambda v: v["restore"]),
        _seconds("4  MoviePy full composition (still pictures, no captions)", fig,
                 lambda v: v["moviepy_full"]["seconds"]),
        _inputs_note(fig),
        _ratio("speedup_full", "{:.2f}x", ratios),
        _ratio("speedup_compose", "{:.2f}x", ratios),
        _seconds("   MoviePy re-composition after the edit", fig, lambda v: v["moviepy_edit"]["seconds"]),
        _ratio("speedup_edit", "{:.1f}x", ratios),
        *kenburns(fig["on"]),
    ]


def kenburns(on: dict) -> list[str]:
    """Motion on only: MoviePy doing the same Ken Burns move on the same inputs."""
    ratios = derive_kenburns(on)
    labels = {"kenburns_full": "   MoviePy Ken Burns / storybuild full render (motion on)",
              "kenburns_compose": "   MoviePy Ken Burns / storybuild composition only (motion on)",
              "still_over_motion_full": "   MoviePy still pictures / storybuild full render (motion on)"}
    return [
        _pair("4b MoviePy Ken Burns composition (same move, resized + position)",
              ("", f"{on['moviepy_kenburns']['seconds']:.2f} s")),
        *(_pair(labels[key], ("", f"{value:.2f}x")) + f"   {TARGETS[key][0]:<10}{verdict(key, value)}"
          for key, value in ratios.items()),
    ]


# -- sections B and C: no-op runs, memory ----------------------------------------------------
def _row(label: str, value: str, key: str | None = None, number: float | None = None) -> str:
    target, judged = (TARGETS[key][0], verdict(key, number)) if key else ("", "")
    return f"{label:<{LABEL}}{value:>14}   {target:<10}{judged}".rstrip()


def noop(fig: dict) -> list[str]:
    runs = fig["cold_runs"]
    return [
        "B. no-op runs on the up-to-date motion-on build",
        f"{'figure':<{LABEL}}{'value':>14}   {'target':<10}verdict",
        _row(f"5  no-op render, median of {runs} cold runs", f"{fig['noop_render']:.3f} s", "noop_render",
             fig["noop_render"]),
        _row(f"   status, median of {runs} cold runs", f"{fig['status']:.3f} s", "status", fig["status"]),
        f"     each run: render {_list(fig['noop_render_runs'])}; status {_list(fig['status_runs'])}",
    ]


def _mem_row(label: str, peaks: dict, judged: bool) -> list[str]:
    mb = lambda b: f"{b / MIB:.0f}"  # noqa: E731
    pss = peaks["tree_pss"] / MIB
    target, result = (TARGETS["tree_pss"][0], verdict("tree_pss", pss)) if judged else ("", "")
    return [
        f"{label:<48}{mb(peaks['tree_pss']):>9} MB{mb(peaks['tree_rss']):>9} MB"
        f"{mb(peaks['root_pss']) + ' / ' + mb(peaks['root_rss']):>16} MB   {target:<10}{result}".rstrip(),
        "     tree at its PSS peak (PSS / RSS): " + " + ".join(
            f"{count} x {command} {p / MIB:.0f} / {r / MIB:.0f} MB"
            for command, (count, p, r) in peaks["at_pss_peak"].items()),
    ]


def memory(mem: dict) -> list[str]:
    """Section C: memory peaks of full renders sampled in runs of their own."""
    every = f"{mem['sample_seconds'] * 1000:.0f} ms"
    lines = [
        f"C. peak memory of a cold full render (motion on), sampled every {every} in runs of their own, untimed.",
        "   PSS counts a page shared by several processes (ffmpeg's binary, shared libraries) once in total,",
        "   the RSS sum once per process; the target is judged on the tree's PSS.",
        f"{'figure':<48}{'tree PSS':>12}{'tree RSS':>12}{'python PSS / RSS':>19}   {'target':<10}verdict",
    ]
    for number, peaks in enumerate(mem["renders"]):
        label = f"{'6' if number == 0 else ' '}  {peaks['example']}, {peaks['scenes']} scenes"
        lines += _mem_row(label, peaks, judged=True)
    if "moviepy" in mem:
        lines += _mem_row(f"   MoviePy composition of the {mem['renders'][0]['scenes']}-scene build", mem["moviepy"],
                          judged=False)
    lines += [f"     {p['example']}: render {p['seconds']:.1f} s, {p['samples']} samples, {p['pss_reads']} "
              f"read PSS, sampler CPU {p['cpu_seconds']:.2f} s" for p in mem["renders"]]
    return lines


def table(fig: dict, ratios: dict, mem: dict, load: dict) -> str:
    v = fig["on"]["video"]
    checks = fig["checks"]
    return "\n".join([
        f"storybuild render benchmark: {fig['example']} ({fig['scenes']} scenes, {v['seconds']:.1f} s of video, "
        f"{v['width']}x{v['height']} @ {fig['fps']} fps), jobs={fig['jobs'] or 'default'}, {os.cpu_count()} CPUs",
        f"load average 1/5/15 min: {_list(load['start'], '{:.2f}')} at start, {_list(load['end'], '{:.2f}')} at end",
        "",
        *comparison(fig, ratios),
        "",
        *noop(fig),
        "",
        *memory(mem),
        "",
        "D. correctness checks",
        *(f"   {'ok ' if passed else 'BAD'} {name} ({detail})" for name, (passed, detail) in checks.items()),
    ])


def _list(values, fmt: str = "{:.3f}") -> str:
    return " ".join(fmt.format(x) for x in values)
