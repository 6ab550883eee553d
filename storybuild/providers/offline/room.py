"""A room for indoor scenes: wall and floor boards, a window that shows the scene's
time and weather, a rug, and a bed, table, lamp or earthy burrow walls when the prompt
names them. Like props.py, nothing is drawn below the stage's calm band."""

from __future__ import annotations

from PIL import ImageDraw

from storybuild.providers.offline.drawing import mix
from storybuild.providers.offline.props import Stage

WOOD = (172, 118, 76)


def floor(stage: Stage) -> None:
    """Floor boards and a skirting board where the wall meets the floor."""
    for k in range(1, 6):
        y = stage.horizon + (stage.calm_top - stage.horizon) * (k / 5) ** 1.4
        stage.draw.line((0, y, stage.w, y), fill=(*mix(WOOD, (0, 0, 0), 0.25), 140), width=max(1, round(stage.h / 400)))
    stage.draw.rectangle((0, stage.horizon - stage.h * 0.012, stage.w, stage.horizon), fill=stage.shade(mix(WOOD, (0, 0, 0), 0.2)))


def burrow(stage: Stage) -> None:
    """Earthy corners that round the wall into a burrow (the floor is left as it is)."""
    wall = stage.image.crop((0, 0, stage.w, stage.horizon))
    draw = ImageDraw.Draw(wall)
    color = wall.getpixel((stage.w // 2, stage.horizon // 2))
    draw.rectangle((0, 0, stage.w, stage.horizon), fill=stage.shade((120, 84, 56))[:3])
    draw.ellipse((stage.w * 0.02, -stage.h * 0.3, stage.w * 0.98, stage.horizon * 1.9), fill=color)
    stage.image.paste(wall, (0, 0))


def window(stage: Stage) -> None:
    """A window with curtains showing the setting's sky: moon and stars at night, sun on clear days, rain."""
    s = stage.setting
    left = stage.w * stage.rng.choice([0.12, 0.66])
    stage.window_x = left
    w, h = stage.w * 0.22, stage.horizon * 0.5
    top = stage.horizon * 0.24
    sky = {"day": (150, 205, 240), "evening": (120, 100, 170), "night": (24, 32, 70)}[s.time]
    if s.weather == "rain":
        sky = mix(sky, (110, 120, 140), 0.5)
    frame = stage.shade((250, 244, 232))
    stage.draw.rounded_rectangle((left - 10, top - 10, left + w + 10, top + h + 10), radius=8, fill=frame)
    stage.draw.rectangle((left, top, left + w, top + h), fill=(*sky, 255))
    if s.time == "night" and s.weather != "rain":
        stage.circle(left + w * 0.7, top + h * 0.3, h * 0.13, (252, 247, 222, 255))
        for k in range(6):
            stage.circle(left + w * (0.1 + 0.13 * k), top + h * (0.2 + 0.5 * ((k * 37) % 10) / 10), 2, (255, 248, 215, 255))
    elif s.time == "day" and s.weather == "clear":
        stage.circle(left + w * 0.7, top + h * 0.3, h * 0.13, (255, 214, 92, 255))
    if s.weather == "rain":
        for k in range(14):
            x = left + w * ((k * 0.37) % 1)
            y = top + h * ((k * 0.61) % 0.8)
            stage.draw.line((x, y, x + 4, y + h * 0.12), fill=(220, 230, 245, 200), width=2)
    stage.draw.line((left + w / 2, top, left + w / 2, top + h), fill=frame, width=max(3, round(stage.h / 160)))
    stage.draw.line((left, top + h / 2, left + w, top + h / 2), fill=frame, width=max(3, round(stage.h / 160)))
    curtain = stage.shade((214, 110, 120))
    for x in (left - w * 0.12, left + w * 0.94):
        stage.draw.rounded_rectangle((x, top - 14, x + w * 0.18, top + h + 20), radius=12, fill=curtain)


def rug(stage: Stage) -> None:
    """An oval rug in the middle of the floor."""
    cx, rx = stage.w * 0.5, stage.w * 0.3
    top, bottom = stage.horizon + (stage.calm_top - stage.horizon) * 0.35, stage.calm_top - stage.h * 0.01
    stage.draw.ellipse((cx - rx, top, cx + rx, bottom), fill=stage.shade((120, 160, 200)))
    inset = (bottom - top) * 0.18
    stage.draw.ellipse((cx - rx + inset * 2, top + inset, cx + rx - inset * 2, bottom - inset),
                       outline=stage.shade((240, 220, 170)), width=max(2, round(inset / 4)))


def bed(stage: Stage) -> None:
    """A bed with a pillow on one side of the room."""
    x0, x1 = stage.w * 0.58, stage.w * 0.95
    y = stage.horizon + (stage.calm_top - stage.horizon) * 0.35
    stage.draw.rounded_rectangle((x0, y - stage.h * 0.22, x0 + stage.w * 0.03, y + stage.h * 0.05), radius=6,
                                 fill=stage.shade(WOOD))
    stage.draw.rounded_rectangle((x0, y - stage.h * 0.06, x1, y + stage.h * 0.04), radius=10,
                                 fill=stage.shade((120, 170, 120)))
    stage.draw.ellipse((x0 + stage.w * 0.04, y - stage.h * 0.11, x0 + stage.w * 0.12, y - stage.h * 0.04),
                       fill=stage.shade((250, 246, 236)))


def table(stage: Stage) -> None:
    """A wooden table behind the characters."""
    cx, y = stage.w * 0.5, stage.horizon + (stage.calm_top - stage.horizon) * 0.2
    half = stage.w * 0.2
    for x in (cx - half * 0.85, cx + half * 0.85):
        stage.draw.rectangle((x - 5, y, x + 5, y + stage.h * 0.14), fill=stage.shade(mix(WOOD, (0, 0, 0), 0.2)))
    stage.draw.rounded_rectangle((cx - half, y - stage.h * 0.02, cx + half, y + stage.h * 0.01), radius=5,
                                 fill=stage.shade(WOOD))


def lamp(stage: Stage) -> None:
    """A glowing lamp on the wall, on the other side from the window."""
    window_left = stage.window_x if stage.window_x is not None else stage.w * 0.66
    x = stage.w * (0.82 if window_left < stage.w * 0.5 else 0.18)
    y = stage.horizon * 0.35
    stage.glow(x, y, stage.h * 0.05, (255, 214, 140), 6, 30)
    stage.circle(x, y, stage.h * 0.03, (255, 226, 150, 255))
